#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace medbridge::mappings::dicom {

// What medbridge keeps of a received DICOM instance's header, as plain UTF-8 strings (the PACS
// adapter converts from the instance's Specific Character Set; DCMTK types stay there).
struct DicomSummary {
  std::string sopClassUid, sopInstanceUid, studyInstanceUid, seriesInstanceUid;
  std::string transferSyntaxUid;
  std::string patientId, issuerOfPatientId;
  // Other Patient IDs Sequence: (PatientID, IssuerOfPatientID) pairs.
  std::vector<std::pair<std::string, std::string>> otherPatientIds;
  std::string patientName;  // PN: alphabetic=ideographic=phonetic groups, family^given^...
  std::string birthDate;    // DA: YYYYMMDD or ""
  std::string sex;          // CS: M, F, O or ""
  std::string modality, studyDate, accessionNumber, studyDescription;
  std::string callingAe;  // the AE that sent it
  std::string file;       // where the instance is stored, bytes as received
  std::int64_t size = 0;
  // The header in the DICOM JSON model (mappings/dicom/DicomQuery.h), UTF-8, no bulk data.
  std::string header = "{}";
};

}  // namespace medbridge::mappings::dicom
