#include "adapters/pacs_dicom/InstanceFiles.h"

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcdict.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dctag.h>

#include <cstdio>

#include "adapters/pacs_dicom/DicomScp.h"

namespace medbridge::adapters::pacs_dicom {

std::optional<AttributeInfo> dictionaryAttribute(const std::string& keywordOrTag) {
  DcmTag tag;
  if (keywordOrTag.size() == 8 &&
      keywordOrTag.find_first_not_of("0123456789abcdefABCDEF") == std::string::npos) {
    unsigned long value = std::stoul(keywordOrTag, nullptr, 16);
    tag = DcmTag(static_cast<Uint16>(value >> 16), static_cast<Uint16>(value & 0xFFFF));
  } else if (DcmTag::findTagFromName(keywordOrTag.c_str(), tag).bad()) {
    return std::nullopt;
  }
  char buf[9];
  std::snprintf(buf, sizeof buf, "%04X%04X", tag.getGroup(), tag.getElement());
  DcmVR vr(tag.getEVR());
  return AttributeInfo{buf, vr.getValidVRName()};
}

StoredInstance storeInstanceFile(const std::string& path, const std::string& sender,
                                 const std::string& storageDir, IInstanceSink& sink,
                                 const std::string& expectedStudy) {
  StoredInstance out;
  DcmFileFormat file;
  if (file.loadFile(path.c_str(), EXS_Unknown, EGL_noChange, 4096).bad() ||
      file.getMetaInfo()->card() == 0) {
    out.status = 0xC000;
    out.problem = "not a DICOM Part 10 file";
    return out;
  }
  OFString sopClass, sopInstance, study;
  file.getDataset()->findAndGetOFString(DCM_SOPClassUID, sopClass);
  file.getDataset()->findAndGetOFString(DCM_SOPInstanceUID, sopInstance);
  file.getDataset()->findAndGetOFString(DCM_StudyInstanceUID, study);
  out.sopClassUid = sopClass.c_str();
  out.sopInstanceUid = sopInstance.c_str();
  out.studyInstanceUid = study.c_str();
  if (!expectedStudy.empty() && out.studyInstanceUid != expectedStudy) {
    out.status = 0xA900;
    out.problem =
        "the instance belongs to study " + out.studyInstanceUid + ", not " + expectedStudy;
    return out;
  }
  out.status =
      acceptInstanceFile(path, out.sopClassUid, out.sopInstanceUid, sender, storageDir, sink);
  if (out.status != 0) out.problem = "refused with DIMSE status " + std::to_string(out.status);
  return out;
}

}  // namespace medbridge::adapters::pacs_dicom
