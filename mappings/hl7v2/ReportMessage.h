#pragma once

#include <string>
#include <vector>

namespace medbridge::mappings::hl7v2 {

// One patient identifier as the HIS knows it (PID-3 repetition).
struct PatientIdentifier {
  std::string value, authority, typeCode;  // CX-1, CX-4, CX-5
};

// Who a message to the HIS is from and to, and about which patient. Texts are plain (escaped
// here); times are HL7 DTM.
struct HisEnvelope {
  std::string sendingFacility, receivingApplication, receivingFacility;  // MSH-4/5/6
  std::string controlId, timestamp;                                      // MSH-10, MSH-7
  std::vector<PatientIdentifier> patientIds;
  std::string familyName, givenName;  // or the whole name in familyName
};

// A consultation report for the inviting hospital's HIS.
struct ConsultationReport : HisEnvelope {
  std::string orderId;               // placer order number: the HIS's, else the ServiceRequest id
  std::string reportId;              // the DiagnosticReport id (unique document number)
  std::string issued;                // when the report was issued
  std::string expertId, expertName;  // who reported
  std::string conclusion;
  std::string pdfBase64;       // the report's PDF ("" when none)
  bool authenticated = false;  // the expert's signature verified
};

// MDM^T02 (EVN, PID, PV1, TXA, OBX ED with the PDF, OBX TX with the conclusion) or ORU^R01
// (PID, ORC, OBR, OBX TX, OBX ED), HL7 2.5 in UTF-8, segments separated by CR. The document is
// LOINC 11488-4 (consult note).
std::string buildReportMessage(const ConsultationReport& report, const std::string& messageType);

// A consultation's new state for the HIS.
struct ConsultationStatus : HisEnvelope {
  std::string orderId;      // placer order number (ORC-2)
  std::string taskId;       // filler order number (ORC-3): the workflow Task
  std::string orderStatus;  // ORC-5, HL7 table 0038 (IP, SC, HD, CM, CA, ER)
  std::string reasonCode, reasonText, reasonSystem;  // ORC-16: the business status or reason
  std::string changed;                               // ORC-9: when the state changed
};

// OSU^O51 (PID, ORC with order control SC), HL7 2.5.
std::string buildStatusMessage(const ConsultationStatus& status);

// A referral's new state for the sending hospital's HIS.
struct ReferralStatus : HisEnvelope {
  std::string referralId;      // RF1-6: the HIS's referral number, else the ServiceRequest id
  std::string referralStatus;  // RF1-1, HL7 table 0283 (P pending, A accepted, R rejected, E ended)
  std::string priority;        // RF1-2: S stat, R routine
  std::string direction, directionText;  // RF1-3 (MBREFDIR)
  std::string changed;                   // RF1-7: when the state changed
  std::string receiving, receivingName;  // PRD RT: the receiving Organization id and name
  std::string state;                     // NTE: the Task's status/businessStatus
  std::string reasonCode, reasonText;    // NTE: a refusal's or cancellation's coded reason
};

// RRI^I12 (RF1, PRD RT, PID, NTE), HL7 2.5.
std::string buildReferralStatus(const ReferralStatus& status);

// A referred patient on the way, for the receiving hospital's HIS.
struct ReferralPreAdmission : HisEnvelope {
  std::string gender, birthDate;             // PID-8 (F/M/O/U), PID-7
  std::string visitNumber;                   // PV1-19: the referral Task id
  std::string admissionType;                 // PV1-4: E emergency, R routine
  std::string department;                    // PV1-10: the requested department (MBDEPT)
  std::string referringDoctor;               // PV1-8: the referring PractitionerRole id
  std::string reason;                        // PV2-3: the indication
  std::string expected;                      // PV2-8: expected admission (the transfer started)
  bool priority = false, feeWaived = false;  // OBX REFPRIO / FEEWAIVED
};

// ADT^A05 pre-admission (EVN, PID, PV1 class P, PV2, OBX for the referral markers), HL7 2.5.
std::string buildPreAdmission(const ReferralPreAdmission& admission);

}  // namespace medbridge::mappings::hl7v2
