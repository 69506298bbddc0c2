#pragma once

// The per-association SCP (DCMTK's DcmThreadSCP): C-ECHO from the base class, C-STORE here.
#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmnet/scpthrd.h>

#include <atomic>
#include <string>

#include "adapters/pacs_dicom/DicomServer.h"

namespace medbridge::adapters::pacs_dicom {

// What every association shares: where files go and who takes them.
struct StoreContext {
  std::string storageDir;
  IInstanceSink* sink = nullptr;
  std::atomic<std::uint64_t> sequence{0};  // for unique temporary file names
};

class StoreScp : public DcmThreadSCP {
 public:
  explicit StoreScp(StoreContext& context) : context_(context) {}

 protected:
  OFCondition handleIncomingCommand(T_DIMSE_Message* incomingMsg,
                                    const DcmPresentationContextInfo& presInfo) override;
  // Only associations calling dicom.aet are accepted.
  OFBool checkCalledAETitleAccepted(const OFString& calledAE) override;

 private:
  // Checks, places and hands over a received file; returns the DIMSE status to answer.
  Uint16 accept(const std::string& file, const T_DIMSE_C_StoreRQ& request);

  StoreContext& context_;
};

// The presentation contexts medbridge accepts: Verification and every standard storage SOP
// class, in the uncompressed and common compressed transfer syntaxes.
void addPresentationContexts(DcmSCPConfig& config);

}  // namespace medbridge::adapters::pacs_dicom
