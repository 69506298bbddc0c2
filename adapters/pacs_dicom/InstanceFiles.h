#pragma once

// DCMTK-free entry points for other adapters (DICOMweb): the attribute dictionary and storing a
// Part 10 file through the same durable path as C-STORE.
#include <optional>
#include <string>

#include "adapters/pacs_dicom/InstanceArchive.h"

namespace medbridge::adapters::pacs_dicom {

struct AttributeInfo {
  std::string tag;  // 8 upper-case hex digits
  std::string vr;
};
// A keyword ("PatientName") or 8 hex digits ("00100010") from DCMTK's data dictionary.
std::optional<AttributeInfo> dictionaryAttribute(const std::string& keywordOrTag);

struct StoredInstance {
  int status = 0;  // the DIMSE status a C-STORE would get (0 = stored)
  std::string sopClassUid, sopInstanceUid, studyInstanceUid;
  std::string problem;  // why, when not stored
};
// Keeps a Part 10 file received whole (e.g. one STOW-RS part) into a file the archive reserved,
// as C-STORE does; with `expectedStudy`, an instance of another study is refused (0xA900). A
// refused file is released.
StoredInstance storeInstanceFile(InstanceArchive& archive, const std::string& file,
                                 const std::string& sender, const std::string& expectedStudy = "");

}  // namespace medbridge::adapters::pacs_dicom
