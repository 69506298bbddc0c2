#include "gateway/app/HisMessages.h"

#include <Poco/Logger.h>

#include <algorithm>
#include <tuple>
#include <utility>

#include "adapters/his_mllp/MllpSender.h"
#include "adapters/pacs_dicom/EncapsulatedPdf.h"
#include "gateway/core/ErrorCode.h"
#include "gateway/core/Hash.h"
#include "gateway/core/Time.h"
#include "gateway/store/ResourceReads.h"
#include "gateway/workflow/ApplicationCheck.h"
#include "gateway/workflow/ConsultationMachine.h"
#include "gateway/workflow/ReferralCheck.h"
#include "gateway/workflow/WorkflowCodes.h"
#include "mappings/fhir/Json.h"
#include "mappings/fhir/SearchQuery.h"
#include "mappings/fhir/SearchValues.h"
#include "mappings/hl7v2/ReportMessage.h"

namespace medbridge::app {
namespace {

using mappings::fhir::stringMember;
using workflow::ConsultationMachine;

Poco::Logger& log() {
  return Poco::Logger::get("medbridge.his.reports");
}

// The patient's first name as family and given name (the whole name as family when it has only
// a text).
std::pair<std::string, std::string> nameParts(const rapidjson::Value& patient) {
  std::string family, given;
  if (patient.HasMember("name") && patient["name"].IsArray() && !patient["name"].Empty()) {
    const auto& name = patient["name"][0];
    family = stringMember(name, "family");
    if (name.HasMember("given") && name["given"].IsArray() && !name["given"].Empty() &&
        name["given"][0].IsString())
      given = name["given"][0].GetString();
    if (family.empty()) family = stringMember(name, "text");
  }
  return {family, given};
}

// A FHIR dateTime as HL7 DTM ("" when there is none).
std::string hl7Time(const std::string& fhirTime) {
  auto range = mappings::fhir::dateRange(fhirTime);
  return range ? core::hl7TimestampOf(range->from) : "";
}

// ORC-5 (HL7 table 0038) for a Task status.
std::string orderStatusOf(const std::string& status) {
  if (status == "ready") return "SC";
  if (status == "on-hold") return "HD";
  if (status == "completed") return "CM";
  if (status == "cancelled" || status == "rejected") return "CA";
  if (status == "failed") return "ER";
  return "IP";
}

// PID-3 type codes by the identifier-system table's type.
std::string typeCodeFor(const std::string& type) {
  if (type == "mrn") return "MR";
  if (type == "pacs-id") return "PI";
  if (type == "national-id") return "NNCHN";
  return "";
}

// The first base64 PDF among attachments.
std::string pdfOf(const rapidjson::Value& attachments, const char* wrapper) {
  if (!attachments.IsArray()) return "";
  for (const auto& a : attachments.GetArray()) {
    const rapidjson::Value* attachment = &a;
    if (wrapper) {
      if (!a.HasMember(wrapper)) continue;
      attachment = &a[wrapper];
    }
    if (stringMember(*attachment, "contentType") == "application/pdf")
      return stringMember(*attachment, "data");
  }
  return "";
}

// MSA-1 and the HIS's reason (MSA-3 / ERR) of an ACK.
std::pair<std::string, std::string> ackCode(const std::string& ack) {
  std::string code, reason;
  std::size_t at = 0;
  while (at < ack.size()) {
    std::size_t end = ack.find('\r', at);
    std::string segment = ack.substr(at, end == std::string::npos ? std::string::npos : end - at);
    if (segment.rfind("MSA", 0) == 0 && segment.size() > 4) {
      std::vector<std::string> fields;
      std::size_t from = 0;
      for (std::size_t bar; (bar = segment.find(segment[3], from)) != std::string::npos;
           from = bar + 1)
        fields.push_back(segment.substr(from, bar - from));
      fields.push_back(segment.substr(from));
      code = fields.size() > 1 ? fields[1] : "";
      if (fields.size() > 3) reason = fields[3];
    } else if (segment.rfind("ERR", 0) == 0) {
      reason += (reason.empty() ? "" : "; ") + segment.substr(0, 300);
    }
    if (end == std::string::npos) break;
    at = end + 1;
  }
  return {code, reason};
}

}  // namespace

HisMessages::HisMessages(const core::GatewayConfig& config, store::IStore& store,
                         const mappings::identity::IdentifierSystems& systems,
                         adapters::pacs_dicom::InstanceArchive& archive, DicomForwarder& forwarder,
                         const core::IClock& clock)
    : config_(config),
      store_(store),
      systems_(systems),
      archive_(archive),
      forwarder_(forwarder),
      clock_(clock) {}

HisMessages::~HisMessages() {
  stop();
}

void HisMessages::onReplica(store::IResourceTx& tx, const store::ResourceVersion& v,
                            const std::optional<store::ResourceVersion>& previous) {
  if (v.type != "Task") return;
  rapidjson::Document task, before;
  if (mappings::fhir::parseJson(v.json, task) || !ConsultationMachine::isWorkflowTask(task)) return;
  std::string here = "Organization/" + config_.his.organization;
  std::string was =
      previous && !previous->deleted && !mappings::fhir::parseJson(previous->json, before)
          ? ConsultationMachine::state(before)
          : "";
  std::string now = ConsultationMachine::state(task);
  if (now == was) return;
  bool queued = false;
  if (ConsultationMachine::isReferral(task)) {
    // The sending hospital hears of every new state; the receiving one of the patient on the way.
    if (ConsultationMachine::reference(task, "requester") == here && config_.his.statusMessages)
      queued = tx.queueHisMessage(v.id, v.version, "status", clock_.nowMillis());
    if (ConsultationMachine::invitedOrganization(task) == here && config_.his.preAdmitReferrals &&
        now == "in-progress/in-transit")
      queued = tx.queueHisMessage(v.id, v.version, "preadmit", clock_.nowMillis()) || queued;
    if (queued) loop_.wake();
    return;
  }
  if (ConsultationMachine::reference(task, "requester") != here) return;
  if (stringMember(task, "status") == "completed" && was.rfind("completed/", 0) != 0) {
    queued = tx.queueHisMessage(v.id, v.version, "report", clock_.nowMillis());
    if (!config_.his.reportPacs.empty())
      queued = tx.queueHisMessage(v.id, v.version, "pdf", clock_.nowMillis()) || queued;
  }
  if (config_.his.statusMessages)
    queued = tx.queueHisMessage(v.id, v.version, "status", clock_.nowMillis()) || queued;
  if (queued) loop_.wake();
}

void HisMessages::start() {
  loop_.start([this] { return sendDue(); }, std::chrono::milliseconds(500), "medbridge.his.reports",
              "HIS report");
}

void HisMessages::stop() {
  loop_.stop();
}

int HisMessages::sendDue() {
  auto due = store_.dueHisMessages(clock_.nowMillis(), 16);
  for (const auto& m : due) {
    // One control id per message: the HIS sees a retry as the same message.
    std::string controlId = "MB" + std::to_string(m.id), problem;
    if (m.kind == "pdf") {
      // Kept here as an Encapsulated PDF object; the C-STORE outbox takes it to the PACS.
      problem = storePdf(m);
      if (problem.empty()) {
        store_.finishHisMessage(m.id, "done", "", "", clock_.nowMillis());
        log().information("Task/%s: the report's PDF queued for PACS %s", m.taskId,
                          config_.his.reportPacs);
        continue;
      }
    }
    auto message = m.kind == "pdf" ? std::nullopt : compose(m, controlId, problem);
    if (message) {
      auto answer = adapters::his_mllp::sendMllp(config_.his.host, config_.his.port, *message,
                                                 config_.his.timeoutSeconds);
      if (answer.answered) {
        auto [code, reason] = ackCode(answer.ack);
        if (code == "AA" || code == "CA") {
          store_.finishHisMessage(m.id, "done", "", controlId, clock_.nowMillis());
          log().information("Task/%s: %s sent to the HIS (%s)", m.taskId, m.kind, controlId);
          continue;
        }
        if (code == "AE" || code == "AR" || code == "CE" || code == "CR") {
          store_.finishHisMessage(m.id, "failed", "the HIS answered " + code + ": " + reason,
                                  controlId, clock_.nowMillis());
          log().error("Task/%s: the HIS refused the %s (%s %s)", m.taskId, m.kind, code, reason);
          continue;
        }
        problem = "the HIS's answer is not an ACK (MSA-1 '" + code + "')";
      } else {
        problem = "the HIS cannot be reached: " + answer.problem;
      }
    }
    std::int64_t wait = std::min<std::int64_t>(
        600'000, static_cast<std::int64_t>(config_.workers.retryBaseSeconds) * 1000LL
                     << std::min(m.attempts, 10));
    store_.finishHisMessage(m.id, "ready", problem, controlId, clock_.nowMillis() + wait);
    log().warning("Task/%s: the %s for the HIS waits: %s", m.taskId, m.kind, problem);
  }
  return static_cast<int>(due.size());
}

std::optional<std::string> HisMessages::compose(const store::HisMessage& m,
                                                const std::string& controlId,
                                                std::string& problem) {
  auto version = store_.readVersion("Task", m.taskId, m.taskVersion);
  rapidjson::Document task, request, patient;
  if (!version || mappings::fhir::parseJson(version->json, task)) {
    problem = "Task/" + m.taskId + " version " + std::to_string(m.taskVersion) + " is gone";
    return std::nullopt;
  }
  std::string focus = ConsultationMachine::reference(task, "focus");
  if (!store::readStored(store_, focus, request) ||
      !store::readStored(store_, ConsultationMachine::reference(request, "subject"), patient)) {
    problem = "the application " + focus + " or its patient is not here";
    return std::nullopt;
  }
  mappings::hl7v2::HisEnvelope envelope;
  envelope.sendingFacility = config_.his.organization;
  envelope.receivingApplication = config_.his.receivingApplication;
  envelope.receivingFacility = config_.his.receivingFacility;
  envelope.controlId = controlId;
  envelope.timestamp = core::hl7TimestampOf(clock_.nowMillis());
  if (patient.HasMember("identifier") && patient["identifier"].IsArray())
    for (const auto& id : patient["identifier"].GetArray()) {
      const auto* row = systems_.find(stringMember(id, "system"));
      std::string type;
      if (id.HasMember("type") && id["type"].HasMember("coding") &&
          id["type"]["coding"].IsArray() && !id["type"]["coding"].Empty())
        type = stringMember(id["type"]["coding"][0], "code");
      envelope.patientIds.push_back({stringMember(id, "value"),
                                     row ? row->authority : stringMember(id, "system"),
                                     type.empty() && row ? typeCodeFor(row->type) : type});
    }
  std::tie(envelope.familyName, envelope.givenName) = nameParts(patient);
  // The HIS's own order number when the application came from it (RF1-6), else the id.
  std::string orderId = focus.substr(focus.find('/') + 1);
  if (request.HasMember("identifier") && request["identifier"].IsArray() &&
      !request["identifier"].Empty())
    orderId = stringMember(request["identifier"][0], "value");
  if (ConsultationMachine::isReferral(task))
    return m.kind == "preadmit" ? preAdmission(envelope, task, request, patient)
                                : referralStatus(envelope, task, request, orderId);
  if (m.kind == "status") return statusMessage(envelope, task, orderId);
  return reportMessage(envelope, task, orderId, problem);
}

std::string HisMessages::reportPdf(const std::string& reportReference,
                                   const rapidjson::Document& report, bool& authenticated) {
  std::string pdf;
  if (report.HasMember("presentedForm")) pdf = pdfOf(report["presentedForm"], nullptr);
  // The signed PDF: a DocumentReference the expert's Provenance names with the report.
  for (const auto& id : store_.search(
           mappings::fhir::parseSearch("Provenance", {{"target", reportReference}}, true))) {
    rapidjson::Document provenance, document;
    if (!store::readStored(store_, "Provenance/" + id, provenance)) continue;
    authenticated = authenticated || provenance.HasMember("signature");
    if (!provenance.HasMember("target") || !provenance["target"].IsArray()) continue;
    for (const auto& t : provenance["target"].GetArray())
      if (pdf.empty() && store::readStored(store_, stringMember(t, "reference"), document) &&
          stringMember(document, "resourceType") == "DocumentReference" &&
          document.HasMember("content"))
        pdf = pdfOf(document["content"], "attachment");
  }
  return pdf;
}

std::string HisMessages::storePdf(const store::HisMessage& m) {
  auto version = store_.readVersion("Task", m.taskId, m.taskVersion);
  rapidjson::Document task, request, patient, report;
  if (!version || mappings::fhir::parseJson(version->json, task))
    return "Task/" + m.taskId + " version " + std::to_string(m.taskVersion) + " is gone";
  std::string reportReference = ConsultationMachine::inputReference(task, "output", "report");
  if (!store::readStored(store_, ConsultationMachine::reference(task, "focus"), request) ||
      !store::readStored(store_, ConsultationMachine::reference(request, "subject"), patient) ||
      !store::readStored(store_, reportReference, report))
    return "the application, its patient or the report " + reportReference + " is not here yet";
  bool authenticated = false;
  adapters::pacs_dicom::EncapsulatedPdf d;
  d.pdf = core::unbase64(reportPdf(reportReference, report, authenticated));
  if (d.pdf.empty()) return "";  // nothing to keep: the report has no PDF
  // The patient as the PACS knows her: its own identifier system first.
  const auto& peer = config_.dicom.peers.at(config_.his.reportPacs);
  if (patient.HasMember("identifier") && patient["identifier"].IsArray())
    for (const auto& id : patient["identifier"].GetArray())
      if (d.patientId.empty() || stringMember(id, "system") == peer.patientIdSystem) {
        d.patientId = stringMember(id, "value");
        const auto* row = systems_.find(stringMember(id, "system"));
        d.issuerOfPatientId = row ? row->authority : "";
      }
  auto [family, given] = nameParts(patient);
  d.patientName = family + (given.empty() ? "" : "^" + given);
  std::string birth = stringMember(patient, "birthDate"), gender = stringMember(patient, "gender");
  for (char c : birth)
    if (c != '-') d.patientBirthDate += c;
  d.patientSex = gender == "male" ? "M" : gender == "female" ? "F" : gender.empty() ? "" : "O";
  std::string issued = hl7Time(stringMember(report, "issued"));
  if (issued.size() < 14) issued = core::hl7TimestampOf(clock_.nowMillis());
  d.contentDate = issued.substr(0, 8);
  d.contentTime = issued.substr(8, 6);
  d.title = "远程会诊报告 " + reportReference.substr(reportReference.find('/') + 1);
  // UIDs named after the Task: a retry writes the same object again.
  d.studyUid = adapters::pacs_dicom::uidFromUuid(core::nameUuid("report-study|" + m.taskId));
  d.seriesUid = adapters::pacs_dicom::uidFromUuid(core::nameUuid("report-series|" + m.taskId));
  d.sopUid = adapters::pacs_dicom::uidFromUuid(core::nameUuid("report-pdf|" + m.taskId));
  std::string file = archive_.reserve();
  try {
    adapters::pacs_dicom::writeEncapsulatedPdf(d, file);
  } catch (const core::Error& e) {
    archive_.release(file);
    return e.what();
  }
  auto status = archive_.accept(file, "", d.sopUid, config_.dicom.aet,
                                adapters::pacs_dicom::InstanceArchive::When::Now);
  if (status != 0)
    return "the report's PDF object was not kept (DICOM status " + std::to_string(status) + ")";
  forwarder_.queueStudy(d.studyUid, config_.his.reportPacs);
  return "";
}

std::string HisMessages::statusMessage(const mappings::hl7v2::HisEnvelope& envelope,
                                       const rapidjson::Document& task,
                                       const std::string& orderId) {
  mappings::hl7v2::ConsultationStatus s;
  static_cast<mappings::hl7v2::HisEnvelope&>(s) = envelope;
  s.orderId = orderId;
  s.taskId = stringMember(task, "id");
  s.orderStatus = orderStatusOf(stringMember(task, "status"));
  s.changed = hl7Time(stringMember(task, "lastModified"));
  // The coded reason of a refusal, return or cancellation, else the business status.
  for (const char* member : {"statusReason", "businessStatus"})
    if (task.HasMember(member) && task[member].HasMember("coding") &&
        task[member]["coding"].IsArray() && !task[member]["coding"].Empty()) {
      const auto& c = task[member]["coding"][0];
      s.reasonCode = stringMember(c, "code");
      s.reasonText = stringMember(c, "display");
      s.reasonSystem = stringMember(c, "system");
      break;
    }
  return mappings::hl7v2::buildStatusMessage(s);
}

std::optional<std::string> HisMessages::reportMessage(const mappings::hl7v2::HisEnvelope& envelope,
                                                      const rapidjson::Document& task,
                                                      const std::string& orderId,
                                                      std::string& problem) {
  std::string reportReference = ConsultationMachine::inputReference(task, "output", "report");
  rapidjson::Document report;
  if (!store::readStored(store_, reportReference, report)) {
    problem = "the report " + reportReference + " has not arrived from the platform yet";
    return std::nullopt;
  }
  mappings::hl7v2::ConsultationReport r;
  static_cast<mappings::hl7v2::HisEnvelope&>(r) = envelope;
  r.orderId = orderId;
  r.reportId = reportReference.substr(reportReference.find('/') + 1);
  r.issued = hl7Time(stringMember(report, "issued"));
  if (r.issued.empty()) r.issued = hl7Time(stringMember(task, "lastModified"));
  std::string owner = ConsultationMachine::reference(task, "owner");
  r.expertId = owner.substr(owner.find('/') + 1);
  rapidjson::Document role;
  if (store::readStored(store_, owner, role) && role.HasMember("practitioner"))
    r.expertName = stringMember(role["practitioner"], "display");
  r.conclusion = stringMember(report, "conclusion");
  r.pdfBase64 = reportPdf(reportReference, report, r.authenticated);
  return mappings::hl7v2::buildReportMessage(r, config_.his.reportMessage);
}

std::string HisMessages::referralStatus(const mappings::hl7v2::HisEnvelope& envelope,
                                        const rapidjson::Document& task,
                                        const rapidjson::Document& request,
                                        const std::string& referralId) {
  mappings::hl7v2::ReferralStatus s;
  static_cast<mappings::hl7v2::HisEnvelope&>(s) = envelope;
  s.referralId = referralId;
  std::string status = stringMember(task, "status");
  s.referralStatus = status == "requested" || status == "received" || status == "draft" ? "P"
                     : status == "rejected"                                             ? "R"
                     : status == "cancelled" || status == "failed"                      ? "E"
                                                                                        : "A";
  s.priority = stringMember(task, "priority") == "stat" ? "S" : "R";
  s.direction = workflow::referralDirection(request);
  s.directionText = s.direction == "upward" ? "上转" : s.direction == "downward" ? "下转" : "";
  s.changed = hl7Time(stringMember(task, "lastModified"));
  s.receiving = ConsultationMachine::invitedOrganization(task);
  rapidjson::Document receiving;
  if (store::readStored(store_, s.receiving, receiving))
    s.receivingName = stringMember(receiving, "name");
  s.receiving = s.receiving.substr(s.receiving.find('/') + 1);
  s.state = ConsultationMachine::state(task);
  if (task.HasMember("statusReason") && task["statusReason"].HasMember("coding") &&
      task["statusReason"]["coding"].IsArray() && !task["statusReason"]["coding"].Empty()) {
    s.reasonCode = stringMember(task["statusReason"]["coding"][0], "code");
    s.reasonText = stringMember(task["statusReason"]["coding"][0], "display");
  }
  return mappings::hl7v2::buildReferralStatus(s);
}

std::string HisMessages::preAdmission(const mappings::hl7v2::HisEnvelope& envelope,
                                      const rapidjson::Document& task,
                                      const rapidjson::Document& request,
                                      const rapidjson::Document& patient) {
  mappings::hl7v2::ReferralPreAdmission a;
  static_cast<mappings::hl7v2::HisEnvelope&>(a) = envelope;
  std::string gender = stringMember(patient, "gender");
  a.gender = gender == "male"     ? "M"
             : gender == "female" ? "F"
             : gender == "other"  ? "O"
             : gender.empty()     ? ""
                                  : "U";
  for (char c : stringMember(patient, "birthDate"))
    if (c != '-') a.birthDate += c;
  a.visitNumber = stringMember(task, "id");
  a.admissionType = stringMember(task, "priority") == "stat" ? "E" : "R";
  a.department = workflow::requestedDepartment(request);
  std::string referring = ConsultationMachine::reference(request, "requester");
  a.referringDoctor = referring.substr(referring.find('/') + 1);
  if (request.HasMember("reasonCode") && request["reasonCode"].IsArray())
    for (const auto& r : request["reasonCode"].GetArray())
      if (auto code = mappings::fhir::codeIn(r, workflow::kReferralIndicationSystem);
          !code.empty() && a.reason.empty())
        a.reason = code;
  a.expected = hl7Time(stringMember(task, "lastModified"));
  if (task.HasMember("extension") && task["extension"].IsArray())
    for (const auto& e : task["extension"].GetArray()) {
      bool on =
          e.HasMember("valueBoolean") && e["valueBoolean"].IsBool() && e["valueBoolean"].GetBool();
      if (stringMember(e, "url") == workflow::kReferralPriorityExtension) a.priority = on;
      if (stringMember(e, "url") == workflow::kFeeWaivedExtension) a.feeWaived = on;
    }
  return mappings::hl7v2::buildPreAdmission(a);
}

}  // namespace medbridge::app
