#include "adapters/pacs_dicom/DicomScp.h"

#include <Poco/Logger.h>
#include <dcmtk/dcmdata/dcuid.h>

#include <algorithm>
#include <map>
#include <set>

namespace medbridge::adapters::pacs_dicom {
namespace {

Poco::Logger& log() {
  return Poco::Logger::get("medbridge.pacs_dicom");
}

const char* const kQueryRetrieveModels[] = {
    UID_FINDPatientRootQueryRetrieveInformationModel,
    UID_FINDStudyRootQueryRetrieveInformationModel,
    UID_MOVEPatientRootQueryRetrieveInformationModel,
    UID_MOVEStudyRootQueryRetrieveInformationModel,
    UID_GETPatientRootQueryRetrieveInformationModel,
    UID_GETStudyRootQueryRetrieveInformationModel,
};

}  // namespace

OFCondition DicomScp::handleIncomingCommand(T_DIMSE_Message* incomingMsg,
                                            const DcmPresentationContextInfo& presInfo) {
  switch (incomingMsg->CommandField) {
    case DIMSE_C_STORE_RQ:
      return handleStore(incomingMsg->msg.CStoreRQ, presInfo.presentationContextID);
    case DIMSE_C_FIND_RQ:
      return handleFind(incomingMsg->msg.CFindRQ, presInfo.presentationContextID);
    case DIMSE_C_GET_RQ:
      return handleGet(incomingMsg->msg.CGetRQ, presInfo.presentationContextID);
    case DIMSE_C_MOVE_RQ:
      return handleMove(incomingMsg->msg.CMoveRQ, presInfo.presentationContextID);
    default:
      return DcmThreadSCP::handleIncomingCommand(incomingMsg, presInfo);
  }
}

DicomScp::Candidates DicomScp::candidates(const mappings::dicom::DicomQuery& query) {
  Candidates c;
  c.instances = context_.source->instances(mappings::dicom::prefilter(query));
  for (const auto& instance : c.instances) {
    auto& header = c.headers.emplace_back();
    header.Parse<rapidjson::kParseNumbersAsStringsFlag>(instance.header.c_str());
    if (header.HasParseError() || !header.IsObject()) header.SetObject();
  }
  return c;
}

OFBool DicomScp::checkCalledAETitleAccepted(const OFString& calledAE) {
  if (calledAE == getAETitle()) return OFTrue;
  log().warning("DICOM association refused: called AE title '%s' is not %s",
                std::string(calledAE.c_str()), std::string(getAETitle().c_str()));
  return OFFalse;
}

OFBool DicomScp::checkCallingAETitleAccepted(const OFString& callingAE) {
  if (!context_.knownPeersOnly) return OFTrue;
  auto peer = context_.peers.find(callingAE.c_str());
  std::string ip = getPeerIP().c_str();
  if (peer == context_.peers.end()) {
    log().warning("DICOM association refused: calling AE title '%s' (from %s) is not a peer",
                  std::string(callingAE.c_str()), ip);
    return OFFalse;
  }
  std::string host = peer->second.host == "localhost" ? "127.0.0.1" : peer->second.host;
  if (host == ip) return OFTrue;
  log().warning("DICOM association refused: '%s' called from %s, not from its host %s",
                std::string(callingAE.c_str()), ip, peer->second.host);
  return OFFalse;
}

// What medbridge accepts of the proposed abstract syntaxes: Verification, the patient- and
// study-root query/retrieve models, and every standard storage SOP class in the uncompressed and
// common compressed transfer syntaxes (as SCP, or as SCU for C-GET's sub-operations). Transfer
// syntaxes are chosen in the requester's order of preference: a C-GET requester asking for JPEG
// 2000 first gets compressed instances as they were received.
void DicomScp::notifyAssociationRequest(const T_ASC_Parameters& params,
                                        DcmSCPActionType& desiredAction) {
  static const std::set<std::string> kStorage(
      dcmAllStorageSOPClassUIDs, dcmAllStorageSOPClassUIDs + numberOfDcmAllStorageSOPClassUIDs);
  static const std::set<std::string> kUncompressed = {UID_LittleEndianExplicitTransferSyntax,
                                                      UID_LittleEndianImplicitTransferSyntax};
  static const std::set<std::string> kStorageSyntaxes = {
      UID_LittleEndianExplicitTransferSyntax,
      UID_LittleEndianImplicitTransferSyntax,
      UID_BigEndianExplicitTransferSyntax,
      UID_DeflatedExplicitVRLittleEndianTransferSyntax,
      UID_JPEGProcess1TransferSyntax,
      UID_JPEGProcess2_4TransferSyntax,
      UID_JPEGProcess14TransferSyntax,
      UID_JPEGProcess14SV1TransferSyntax,
      UID_JPEGLSLosslessTransferSyntax,
      UID_JPEGLSLossyTransferSyntax,
      UID_JPEG2000LosslessOnlyTransferSyntax,
      UID_JPEG2000TransferSyntax,
      UID_RLELosslessTransferSyntax,
      UID_MPEG2MainProfileAtMainLevelTransferSyntax,
      UID_MPEG4HighProfileLevel4_1TransferSyntax};
  auto* proposal = const_cast<T_ASC_Parameters*>(&params);
  // abstract syntax -> the transfer syntaxes medbridge supports, in the order proposed
  std::map<std::string, OFList<OFString>> accepted;
  for (int i = 0; i < ASC_countPresentationContexts(proposal); ++i) {
    T_ASC_PresentationContext pc;
    if (ASC_getPresentationContext(proposal, i, &pc).bad()) continue;
    std::string syntax = pc.abstractSyntax;
    bool storage = kStorage.count(syntax) > 0;
    bool service = syntax == UID_VerificationSOPClass ||
                   std::find(std::begin(kQueryRetrieveModels), std::end(kQueryRetrieveModels),
                             syntax) != std::end(kQueryRetrieveModels);
    if (!storage && !service) continue;
    OFList<OFString>& list = accepted[syntax];
    for (int t = 0; t < pc.transferSyntaxCount; ++t) {
      OFString ts = pc.proposedTransferSyntaxes[t];
      bool supported =
          storage ? kStorageSyntaxes.count(ts.c_str()) > 0 : kUncompressed.count(ts.c_str()) > 0;
      if (supported && std::find(list.begin(), list.end(), ts) == list.end()) list.push_back(ts);
    }
  }
  DcmSCPConfig& config = getConfig();
  // A profile without contexts leaves DCMTK silent; with Verification it answers "no acceptable
  // presentation contexts" to a request proposing nothing medbridge serves.
  if (!accepted.count(UID_VerificationSOPClass)) {
    OFList<OFString> verification;
    verification.push_back(UID_LittleEndianImplicitTransferSyntax);
    config.addPresentationContext(UID_VerificationSOPClass, verification);
  }
  for (const auto& [syntax, syntaxes] : accepted)
    if (!syntaxes.empty())
      config.addPresentationContext(
          syntax.c_str(), syntaxes,
          kStorage.count(syntax) ? ASC_SC_ROLE_SCUSCP : ASC_SC_ROLE_DEFAULT);
  DcmThreadSCP::notifyAssociationRequest(params, desiredAction);
}

}  // namespace medbridge::adapters::pacs_dicom
