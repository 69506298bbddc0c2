#include "mappings/hl7v2/ReportMessage.h"

#include <map>
#include <tuple>

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

// A segment from its non-empty fields by position (already escaped).
std::string segment(const std::string& name, const std::map<int, std::string>& fields) {
  std::string out = name;
  int last = fields.empty() ? 0 : fields.rbegin()->first;
  for (int i = 1; i <= last; ++i) {
    auto it = fields.find(i);
    out += "|" + (it == fields.end() ? std::string() : it->second);
  }
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

std::string buildReferralStatus(const ReferralStatus& s) {
  std::string out =
      msh(s, "RRI^I12^RRI_I12") + "\r" +
      segment("RF1", {{1, s.referralStatus},
                      {2, s.priority},
                      {3, e(s.direction) + "^" + e(s.directionText) + "^MBREFDIR"},
                      {5, "O"},
                      {6, e(s.referralId)},
                      {7, s.changed}}) +
      "\r" +
      segment("PRD", {{1, "RT"}, {2, e(s.receivingName)}, {7, e(s.receiving) + "^Organization"}}) +
      "\r" + pid(s) + "\r" + segment("NTE", {{1, "1"}, {3, e(s.state)}});
  if (!s.reasonCode.empty())
    out += "\r" +
           segment("NTE",
                   {{1, "2"},
                    {3, e(s.reasonCode) + (s.reasonText.empty() ? "" : " " + e(s.reasonText))}});
  return out;
}

std::string buildPreAdmission(const ReferralPreAdmission& a) {
  std::string out = msh(a, "ADT^A05^ADT_A05") + "\rEVN|A05|" + a.timestamp + "\r" + pid(a) + "||" +
                    a.birthDate + "|" + a.gender + "\r" +
                    segment("PV1", {{1, "1"},
                                    {2, "P"},
                                    {4, a.admissionType},
                                    {8, e(a.referringDoctor)},
                                    {10, e(a.department)},
                                    {19, e(a.visitNumber)}}) +
                    "\r" + segment("PV2", {{3, e(a.reason)}, {8, a.expected}});
  int n = 0;
  for (auto [on, code, text] : {std::tuple{a.priority, "REFPRIO", "转诊患者优先"},
                                std::tuple{a.feeWaived, "FEEWAIVED", "免挂号费"}})
    if (on)
      out += "\r" + segment("OBX", {{1, std::to_string(++n)},
                                    {2, "CWE"},
                                    {3, std::string(code) + "^" + text + "^MBFLAG"},
                                    {5, "Y^Yes^HL70136"},
                                    {11, "F"}});
  return out;
}

}  // namespace medbridge::mappings::hl7v2
