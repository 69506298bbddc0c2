#include "mappings/hl7v2/ReportMessage.h"

#include "mappings/hl7v2/Ack.h"

namespace medbridge::mappings::hl7v2 {
namespace {

const Delimiters kDelims;
const std::string kConsultNote = "11488-4^Consult note^LN";

std::string e(const std::string& text) {
  return escapeText(text, kDelims);
}

std::string msh(const HisEnvelope& r, const std::string& type) {
  return "MSH|^~\\&|MEDBRIDGE|" + e(r.sendingFacility) + "|" + e(r.receivingApplication) + "|" +
         e(r.receivingFacility) + "|" + r.timestamp + "||" + type + "|" + e(r.controlId) +
         "|P|2.5||||||UNICODE UTF-8";
}

std::string pid(const HisEnvelope& r) {
  std::string ids;
  for (const auto& id : r.patientIds)
    ids += (ids.empty() ? "" : "~") + e(id.value) + "^^^" + e(id.authority) + "^" + e(id.typeCode);
  std::string name = e(r.familyName) + (r.givenName.empty() ? "" : "^" + e(r.givenName));
  return "PID|1||" + ids + "||" + name;
}

std::string expert(const ConsultationReport& r) {
  return e(r.expertId) + (r.expertName.empty() ? "" : "^" + e(r.expertName));
}

// OBX of the conclusion (TX) and, when there is one, the PDF (ED:
// source^type^subtype^encoding^data).
std::string observations(const ConsultationReport& r, bool pdfFirst) {
  std::string text = "|TX|" + kConsultNote + "||" + e(r.conclusion) + "||||||F|||" + r.issued;
  std::string pdf = r.pdfBase64.empty() ? ""
                                        : "|ED|" + kConsultNote + "||^AP^PDF^Base64^" +
                                              r.pdfBase64 + "||||||F|||" + r.issued;
  std::vector<std::string> parts;
  if (pdfFirst && !pdf.empty()) parts.push_back(pdf);
  parts.push_back(text);
  if (!pdfFirst && !pdf.empty()) parts.push_back(pdf);
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) out += "\rOBX|" + std::to_string(i + 1) + parts[i];
  return out;
}

}  // namespace

std::string buildReportMessage(const ConsultationReport& r, const std::string& messageType) {
  bool mdm = messageType == "MDM^T02";
  std::string header = msh(r, mdm ? "MDM^T02^MDM_T02" : "ORU^R01^ORU_R01");
  if (mdm)
    return header + "\rEVN|T02|" + r.timestamp + "\r" + pid(r) + "\rPV1|1|O\rTXA|1|CN|AP|" +
           r.issued + "|" + expert(r) + "|||||||" + e(r.reportId) + "||" + e(r.orderId) + "|||" +
           (r.authenticated ? "LA" : "DO") + "||AV" + observations(r, true);
  return header + "\r" + pid(r) + "\rORC|RE|" + e(r.orderId) + "|" + e(r.reportId) + "\rOBR|1|" +
         e(r.orderId) + "|" + e(r.reportId) + "|" + kConsultNote + "|||" + r.issued + "|||||||||" +
         expert(r) + "||||||" + r.issued + "|||F" + observations(r, false);
}

std::string buildStatusMessage(const ConsultationStatus& s) {
  return msh(s, "OSU^O51^OSU_O51") + "\r" + pid(s) + "\rORC|SC|" + e(s.orderId) + "|" +
         e(s.taskId) + "||" + s.orderStatus + "||||" + s.changed + "|||||||" + e(s.reasonCode) +
         "^" + e(s.reasonText) + "^" + e(s.reasonSystem);
}

}  // namespace medbridge::mappings::hl7v2
