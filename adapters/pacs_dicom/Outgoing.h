#pragma once

// Sending stored instances by C-STORE (C-MOVE and C-GET sub-operations, forwarding): which
// presentation contexts to propose, which accepted one to use, and the data set to send.
#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmnet/scu.h>

#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "mappings/dicom/DicomSummary.h"

namespace medbridge::adapters::pacs_dicom {

bool isUncompressed(const std::string& ts);

struct Context {
  T_ASC_PresentationContextID id = 0;
  std::string sopClass, transferSyntax;
};

// The context to send an instance on: the one with its own transfer syntax, else an uncompressed
// one (the instance is converted).
const Context* chooseContext(const std::vector<Context>& accepted,
                             const mappings::dicom::DicomSummary& instance);

// The instance's data set ready to be written in `ts`; nullptr with `why` when it cannot be
// (unreadable, or compressed without a codec for the uncompressed syntax asked for).
std::unique_ptr<DcmFileFormat> loadFor(const mappings::dicom::DicomSummary& instance,
                                       const std::string& ts, std::string& why);

// Proposes, per SOP class of the instances, a context for each compressed syntax they are kept
// in and one for the uncompressed syntaxes. Returns the (SOP class, syntax) pairs proposed, ""
// standing for uncompressed.
std::set<std::pair<std::string, std::string>> proposeContexts(
    DcmSCU& scu, const std::vector<mappings::dicom::DicomSummary>& instances);

// After negotiation: the accepted contexts among those proposed.
std::vector<Context> acceptedContexts(
    DcmSCU& scu, const std::set<std::pair<std::string, std::string>>& proposed);

}  // namespace medbridge::adapters::pacs_dicom
