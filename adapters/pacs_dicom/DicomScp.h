#pragma once

// The per-association SCP (DCMTK's DcmThreadSCP): C-ECHO from the base class, C-STORE
// (StoreScp.cpp), C-FIND (FindScp.cpp), C-GET and C-MOVE (RetrieveScp.cpp).
#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmnet/scpthrd.h>

#include <rapidjson/document.h>

#include <map>
#include <string>

#include "adapters/pacs_dicom/DicomServer.h"
#include "adapters/pacs_dicom/InstanceArchive.h"

namespace medbridge::adapters::pacs_dicom {

// What every association shares.
struct ScpContext {
  std::string aet;  // medbridge's own
  InstanceArchive* archive = nullptr;
  IInstanceSource* source = nullptr;
  std::map<std::string, core::DicomPeer> peers;  // C-MOVE destinations by AE title
  bool knownPeersOnly = false;                   // only peers, each from its own host
};

class DicomScp : public DcmThreadSCP {
 public:
  explicit DicomScp(ScpContext& context) : context_(context) {}

 protected:
  OFCondition handleIncomingCommand(T_DIMSE_Message* incomingMsg,
                                    const DcmPresentationContextInfo& presInfo) override;
  // Only associations calling dicom.aet are accepted.
  OFBool checkCalledAETitleAccepted(const OFString& calledAE) override;
  // With dicom.knownPeersOnly: the calling AE must be a peer connecting from its host.
  OFBool checkCallingAETitleAccepted(const OFString& callingAE) override;
  // Offers the presentation contexts of this request: a DCMTK profile holds at most 128
  // abstract syntaxes, fewer than the standard storage SOP classes, while one request proposes
  // at most 128.
  void notifyAssociationRequest(const T_ASC_Parameters& params,
                                DcmSCPActionType& desiredAction) override;

 private:
  OFCondition handleStore(T_DIMSE_C_StoreRQ& request, T_ASC_PresentationContextID presId);
  OFCondition handleFind(T_DIMSE_C_FindRQ& request, T_ASC_PresentationContextID presId);
  OFCondition handleGet(T_DIMSE_C_GetRQ& request, T_ASC_PresentationContextID presId);
  OFCondition handleMove(T_DIMSE_C_MoveRQ& request, T_ASC_PresentationContextID presId);

  // The stored instances a query's prefilter selects, with their parsed headers.
  struct Candidates {
    std::vector<mappings::dicom::DicomSummary> instances;
    std::vector<rapidjson::Document> headers;
  };
  Candidates candidates(const mappings::dicom::DicomQuery& query);
  // The instances a C-GET / C-MOVE identifier names; 0, or the refusal status and `problem`.
  Uint16 retrieveSet(DcmDataset& identifier, const std::string& sopClass,
                     std::vector<mappings::dicom::DicomSummary>& instances, std::string& problem);
  struct SubOperationResult {
    Uint16 status = 0;
    OFCondition cond;  // bad: the association is gone
  };
  // C-GET: one C-STORE sub-operation on this association.
  SubOperationResult storeHere(const mappings::dicom::DicomSummary& instance, Uint16 messageId,
                               bool& cancelled);

  ScpContext& context_;
};

}  // namespace medbridge::adapters::pacs_dicom
