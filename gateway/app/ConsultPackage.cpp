#include "gateway/app/ConsultPackage.h"

#include <Poco/Logger.h>

#include <chrono>
#include <set>
#include <thread>

#include "gateway/core/ErrorCode.h"
#include "gateway/core/Time.h"
#include "gateway/fhir/FhirError.h"
#include "gateway/workflow/ConsultationMachine.h"
#include "mappings/fhir/Json.h"
#include "mappings/fhir/SearchQuery.h"

namespace medbridge::app {
namespace {

using workflow::ConsultationMachine;

Poco::Logger& log() {
  return Poco::Logger::get("medbridge.workflow.package");
}

// The record types a package carries, with the search parameter of their clinical date.
const std::vector<std::pair<std::string, std::string>> kRecordTypes = {
    {"Encounter", "date"},         {"Observation", "date"},     {"DiagnosticReport", "date"},
    {"DocumentReference", "date"}, {"ImagingStudy", "started"}, {"Consent", "date"}};

}  // namespace

ConsultPackage::ConsultPackage(const core::GatewayConfig& config, fhir::FhirServer& fhir,
                               store::IStore& store, ImageFetcher& fetcher,
                               DicomForwarder& forwarder, const core::IClock& clock)
    : config_(config),
      fhir_(fhir),
      store_(store),
      fetcher_(fetcher),
      forwarder_(forwarder),
      clock_(clock) {}

bool ConsultPackage::hands(const rapidjson::Value* current, const rapidjson::Document& proposed) {
  std::string from = current ? ConsultationMachine::state(*current) : "",
              to = ConsultationMachine::state(proposed);
  if (to == "requested/submitted") return !current || from.rfind("draft/", 0) == 0;
  return to == "received/material-supplied" && from == "on-hold/material-requested";
}

void ConsultPackage::prepare(const rapidjson::Document& task) {
  std::string focus = ConsultationMachine::reference(task, "focus");
  auto stored = focus.rfind("ServiceRequest/", 0) == 0
                    ? store_.readResource("ServiceRequest", focus.substr(15))
                    : std::nullopt;
  rapidjson::Document request;
  // Without a local application the platform's check says what is missing.
  if (!stored || stored->deleted || mappings::fhir::parseJson(stored->json, request)) return;
  std::string patient = ConsultationMachine::reference(request, "subject");
  if (patient.rfind("Patient/", 0) != 0 || !store_.readResource("Patient", patient.substr(8)))
    return;
  if (!config_.workflow.packagePacs.empty()) fetchImages(patient.substr(8));

  // The records join supportingInfo (a new version of the application, delivered as usual).
  if (!request.HasMember("supportingInfo"))
    request.AddMember("supportingInfo", rapidjson::Value(rapidjson::kArrayType),
                      request.GetAllocator());
  auto& info = request["supportingInfo"];
  std::set<std::string> have;
  for (const auto& s : info.GetArray()) have.insert(mappings::fhir::stringMember(s, "reference"));
  bool added = false;
  for (const auto& reference : records(patient)) {
    if (!have.insert(reference).second) continue;
    rapidjson::Value entry(rapidjson::kObjectType);
    entry.AddMember("reference", rapidjson::Value(reference.c_str(), request.GetAllocator()),
                    request.GetAllocator());
    info.PushBack(entry, request.GetAllocator());
    added = true;
  }
  if (added) {
    fhir::FhirRequest put;
    put.method = "PUT";
    put.setPath(focus);
    put.headers["content-type"] = "application/fhir+json";
    put.body = mappings::fhir::toJson(request);
    auto answer = fhir_.handle(put);
    if (answer.status >= 300)
      throw fhir::FhirError(
          answer.status, "processing",
          "the consult package could not be added to " + focus + ": " + answer.body);
    log().information("%s: %z records and studies added to the consult package", focus,
                      have.size());
  }

  std::string invited = ConsultationMachine::invitedOrganization(task);
  if (invited.empty()) invited = ConsultationMachine::reference(task, "owner");
  auto destination = invited.rfind("Organization/", 0) == 0
                         ? config_.workflow.imageDestinations.find(invited.substr(13))
                         : config_.workflow.imageDestinations.end();
  std::vector<std::string> package{patient, focus};
  for (const auto& reference : have) {
    if (reference.empty()) continue;
    package.push_back(reference);
    if (reference.rfind("ImagingStudy/", 0) == 0 &&
        destination != config_.workflow.imageDestinations.end()) {
      auto queued = forwarder_.queueStudy(reference.substr(13), destination->second);
      log().information("%s: %z instances queued for %s", reference, queued.size(),
                        destination->second);
    }
  }
  waitForPlatform(package);
}

std::vector<std::string> ConsultPackage::records(const std::string& patient) {
  std::string from =
      core::instantOf(clock_.nowMillis() -
                      static_cast<std::int64_t>(config_.workflow.packageLookbackDays) * 86'400'000)
          .substr(0, 10);
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (const auto& [type, date] : kRecordTypes) {
    // By its clinical date; a record without one by when it was written.
    std::vector<std::vector<std::pair<std::string, std::string>>> searches = {
        {{"patient", patient}, {date, "ge" + from}},
        {{"patient", patient}, {date + ":missing", "true"}, {"_lastUpdated", "ge" + from}}};
    for (const auto& params : searches)
      for (const auto& id : store_.search(mappings::fhir::parseSearch(type, params, true)))
        if (seen.insert(type + "/" + id).second) out.push_back(type + "/" + id);
  }
  return out;
}

void ConsultPackage::fetchImages(const std::string& patientId) {
  FetchRequest fetch;
  fetch.patientId = patientId;
  fetch.peer = config_.workflow.packagePacs;
  fetch.start =
      core::instantOf(clock_.nowMillis() -
                      static_cast<std::int64_t>(config_.workflow.packageLookbackDays) * 86'400'000)
          .substr(0, 10);
  std::string problem;
  try {
    auto done = fetcher_.run(fetch);
    if (done.httpStatus == 200) return;
    problem = done.body;
  } catch (const core::Error& e) {
    if (e.code() == core::ErrorCode::DicomNoPeerIdentifier) {
      log().information("Patient/%s has no identifier on PACS %s: no images in the package",
                        patientId, fetch.peer);
      return;
    }
    problem = e.what();
  }
  throw fhir::FhirError(502, "transient",
                        "the patient's images could not be fetched from PACS " + fetch.peer +
                            "; the application was not submitted: " + problem);
}

void ConsultPackage::waitForPlatform(const std::vector<std::string>& mustArrive) {
  // Everything queued for the platform up to now, by the newest such delivery.
  std::int64_t newest = 0;
  store::DeliveryFilter pending{std::string(), "pending", 0, 1000};
  for (auto page = store_.deliveries(pending); !page.empty(); page = store_.deliveries(pending))
    newest = pending.afterId = page.back().id;
  std::set<std::string> members(mustArrive.begin(), mustArrive.end());
  auto until =
      std::chrono::steady_clock::now() + std::chrono::seconds(config_.workflow.packageWaitSeconds);
  for (;;) {
    for (const auto& d : store_.deliveries({std::string(), "dead", 0, 1000})) {
      auto current = members.count(d.type + "/" + d.resourceId)
                         ? store_.readResource(d.type, d.resourceId)
                         : std::nullopt;
      if (current && current->version == d.version)
        throw fhir::FhirError(502, "processing",
                              "the platform refused " + d.type + "/" + d.resourceId + " (" +
                                  d.lastError +
                                  "); see /admin/deliveries. The proposal was not sent");
    }
    auto oldest = store_.deliveries({std::string(), "pending", 0, 1});
    if (oldest.empty() || oldest.front().id > newest) return;
    if (std::chrono::steady_clock::now() >= until)
      throw fhir::FhirError(503, "transient",
                            "what this proposal refers to has not reached the regional platform "
                            "within " +
                                std::to_string(config_.workflow.packageWaitSeconds) +
                                " s; the proposal was not sent: try again");
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

}  // namespace medbridge::app
