#include "adapters/pacs_dicom/QueryIdentifier.h"

#include "adapters/pacs_dicom/DicomJson.h"

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcelem.h>
#include <dcmtk/dcmdata/dcuid.h>

#include <cstdio>

namespace medbridge::adapters::pacs_dicom {
namespace {

bool isStudyRoot(const std::string& sopClass) {
  return sopClass == UID_FINDStudyRootQueryRetrieveInformationModel ||
         sopClass == UID_MOVEStudyRootQueryRetrieveInformationModel ||
         sopClass == UID_GETStudyRootQueryRetrieveInformationModel;
}

}  // namespace

std::string toQuery(DcmDataset& identifier, const std::string& sopClass,
                    mappings::dicom::DicomQuery& query) {
  OFString level;
  identifier.findAndGetOFString(DCM_QueryRetrieveLevel, level);
  if (!mappings::dicom::parseQueryLevel(level.c_str(), query.level))
    return "Query/Retrieve Level '" + std::string(level.c_str()) +
           "' is not PATIENT, STUDY, SERIES or IMAGE";
  if (isStudyRoot(sopClass) && query.level == mappings::dicom::QueryLevel::Patient)
    return "the study-root model has no PATIENT level";
  for (unsigned long i = 0; i < identifier.card(); ++i) {
    DcmElement* e = identifier.getElement(i);
    OFString value;
    if (e->ident() != EVR_SQ) e->getOFStringArray(value);
    query.keys.push_back({tagText(e->getTag()), DcmVR(e->ident()).getValidVRName(), value.c_str()});
  }
  return "";
}

const char* levelName(mappings::dicom::QueryLevel level) {
  switch (level) {
    case mappings::dicom::QueryLevel::Patient:
      return "PATIENT";
    case mappings::dicom::QueryLevel::Study:
      return "STUDY";
    case mappings::dicom::QueryLevel::Series:
      return "SERIES";
    case mappings::dicom::QueryLevel::Image:
      return "IMAGE";
  }
  return "IMAGE";
}

}  // namespace medbridge::adapters::pacs_dicom
