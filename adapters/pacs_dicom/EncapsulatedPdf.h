#pragma once

#include <string>

namespace medbridge::adapters::pacs_dicom {

// A PDF to keep as a DICOM Encapsulated PDF object (a consultation report for the PACS).
struct EncapsulatedPdf {
  std::string patientId, issuerOfPatientId, patientName;  // PN in DICOM form ("Wang^Xiuying")
  std::string patientBirthDate, patientSex;               // YYYYMMDD, M/F/O or ""
  std::string studyUid, seriesUid, sopUid;
  std::string contentDate, contentTime;  // YYYYMMDD, HHMMSS
  std::string title;                     // DocumentTitle
  std::string pdf;                       // the document's bytes
};

// Writes it as a Part 10 file (Encapsulated PDF Storage, explicit VR little endian, UTF-8,
// concept name LOINC 11488-4 consult note); throws core::Error (DicomWriteFailed) when the file
// cannot be written.
void writeEncapsulatedPdf(const EncapsulatedPdf& document, const std::string& file);

// "2.25.<decimal>" — a UID from a UUID ("8-4-4-4-12" hex), as ISO/IEC 9834-8 defines it.
std::string uidFromUuid(const std::string& uuid);

}  // namespace medbridge::adapters::pacs_dicom
