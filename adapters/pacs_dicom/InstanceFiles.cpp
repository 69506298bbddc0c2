#include "adapters/pacs_dicom/InstanceFiles.h"

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcdict.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcmetinf.h>
#include <dcmtk/dcmdata/dctag.h>

#include <cstdio>

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

StoredInstance storeInstanceFile(InstanceArchive& archive, const std::string& file,
                                 const std::string& sender, const std::string& expectedStudy) {
  StoredInstance out;
  DcmFileFormat dicom;
  if (dicom.loadFile(file.c_str(), EXS_Unknown, EGL_noChange, 4096).bad() ||
      dicom.getMetaInfo()->card() == 0) {
    archive.release(file);
    out.status = 0xC000;
    out.problem = "not a DICOM Part 10 file";
    return out;
  }
  OFString sopClass, sopInstance, study;
  dicom.getDataset()->findAndGetOFString(DCM_SOPClassUID, sopClass);
  dicom.getDataset()->findAndGetOFString(DCM_SOPInstanceUID, sopInstance);
  dicom.getDataset()->findAndGetOFString(DCM_StudyInstanceUID, study);
  out.sopClassUid = sopClass.c_str();
  out.sopInstanceUid = sopInstance.c_str();
  out.studyInstanceUid = study.c_str();
  if (!expectedStudy.empty() && out.studyInstanceUid != expectedStudy) {
    archive.release(file);
    out.status = 0xA900;
    out.problem =
        "the instance belongs to study " + out.studyInstanceUid + ", not " + expectedStudy;
    return out;
  }
  out.status =
      archive.accept(file, out.sopClassUid, out.sopInstanceUid, sender, InstanceArchive::When::Now);
  if (out.status != 0) out.problem = "refused with DIMSE status " + std::to_string(out.status);
  return out;
}

}  // namespace medbridge::adapters::pacs_dicom
