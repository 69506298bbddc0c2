#pragma once

#include <string>
#include <vector>

namespace medbridge::mappings::hl7v2 {

// One patient identifier as the HIS knows it (PID-3 repetition).
struct PatientIdentifier {
  std::string value, authority, typeCode;  // CX-1, CX-4, CX-5
};

// A consultation report for the inviting hospital's HIS. Texts are plain (escaped here);
// times are HL7 DTM.
struct ConsultationReport {
  std::string sendingFacility, receivingApplication, receivingFacility;  // MSH-4/5/6
  std::string controlId, timestamp;                                      // MSH-10, MSH-7
  std::vector<PatientIdentifier> patientIds;
  std::string familyName, givenName;  // or the whole name in familyName
  std::string orderId;                // placer order number: the ServiceRequest id
  std::string reportId;               // the DiagnosticReport id (unique document number)
  std::string issued;                 // when the report was issued
  std::string expertId, expertName;   // who reported
  std::string conclusion;
  std::string pdfBase64;       // the report's PDF ("" when none)
  bool authenticated = false;  // the expert's signature verified
};

// MDM^T02 (EVN, PID, PV1, TXA, OBX ED with the PDF, OBX TX with the conclusion) or ORU^R01
// (PID, ORC, OBR, OBX TX, OBX ED), HL7 2.5 in UTF-8, segments separated by CR. The document is
// LOINC 11488-4 (consult note).
std::string buildReportMessage(const ConsultationReport& report, const std::string& messageType);

}  // namespace medbridge::mappings::hl7v2
