#include "adapters/pacs_dicom/Outgoing.h"

#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmdata/dcxfer.h>

namespace medbridge::adapters::pacs_dicom {

using mappings::dicom::DicomSummary;

bool isUncompressed(const std::string& ts) {
  return ts == UID_LittleEndianExplicitTransferSyntax ||
         ts == UID_LittleEndianImplicitTransferSyntax || ts == UID_BigEndianExplicitTransferSyntax;
}

const Context* chooseContext(const std::vector<Context>& accepted, const DicomSummary& instance) {
  const Context* fallback = nullptr;
  for (const auto& c : accepted) {
    if (c.sopClass != instance.sopClassUid) continue;
    if (c.transferSyntax == instance.transferSyntaxUid) return &c;
    if (!fallback && isUncompressed(c.transferSyntax)) fallback = &c;
  }
  return fallback;
}

std::unique_ptr<DcmFileFormat> loadFor(const DicomSummary& instance, const std::string& ts,
                                       std::string& why) {
  auto file = std::make_unique<DcmFileFormat>();
  OFCondition loaded = file->loadFile(instance.file.c_str());
  if (loaded.bad()) {
    why = "cannot read " + instance.file + ": " + loaded.text();
    return nullptr;
  }
  DcmXfer target(ts.c_str());
  DcmDataset& ds = *file->getDataset();
  if (!target.isEncapsulated() && ds.chooseRepresentation(target.getXfer(), nullptr).bad()) {
    why = "cannot be decoded from " + instance.transferSyntaxUid + " (no codec)";
    return nullptr;
  }
  if (!ds.canWriteXfer(target.getXfer())) {
    why = "cannot be written in " + ts;
    return nullptr;
  }
  return file;
}

std::set<std::pair<std::string, std::string>> proposeContexts(
    DcmSCU& scu, const std::vector<DicomSummary>& instances) {
  std::set<std::pair<std::string, std::string>> proposed;
  for (const auto& instance : instances) {
    if (isUncompressed(instance.transferSyntaxUid) ||
        !proposed.insert({instance.sopClassUid, instance.transferSyntaxUid}).second)
      continue;
    OFList<OFString> own;
    own.push_back(instance.transferSyntaxUid.c_str());
    scu.addPresentationContext(instance.sopClassUid.c_str(), own);
  }
  for (const auto& instance : instances) {
    if (!proposed.insert({instance.sopClassUid, ""}).second) continue;
    OFList<OFString> uncompressed;
    uncompressed.push_back(UID_LittleEndianExplicitTransferSyntax);
    uncompressed.push_back(UID_LittleEndianImplicitTransferSyntax);
    scu.addPresentationContext(instance.sopClassUid.c_str(), uncompressed);
  }
  return proposed;
}

std::vector<Context> acceptedContexts(
    DcmSCU& scu, const std::set<std::pair<std::string, std::string>>& proposed) {
  std::vector<Context> accepted;
  for (const auto& [sopClass, ts] : proposed)
    for (const char* syntax : {ts.c_str(), UID_LittleEndianExplicitTransferSyntax,
                               UID_LittleEndianImplicitTransferSyntax})
      if (auto id = scu.findPresentationContextID(sopClass.c_str(), syntax))
        accepted.push_back({id, sopClass, syntax});
  return accepted;
}

}  // namespace medbridge::adapters::pacs_dicom
