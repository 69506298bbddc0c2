#include "gateway/app/ImagingStudyPublisher.h"

#include <Poco/Logger.h>

#include <algorithm>

#include "gateway/core/Hash.h"
#include "gateway/core/Time.h"
#include "mappings/dicom/ImagingStudy.h"
#include "mappings/fhir/Json.h"
#include "mappings/fhir/SearchIndexer.h"
#include "mappings/identity/DicomPatientFacts.h"

namespace medbridge::app {
namespace {

constexpr int kStudiesPerPass = 64;

Poco::Logger& log() {
  return Poco::Logger::get("medbridge.app.imaging");
}

std::string endpointJson(const std::string& url) {
  return R"({"resourceType":"Endpoint","id":")" + std::string(ImagingStudyPublisher::kEndpointId) +
         R"(","status":"active","connectionType":{"system":)"
         R"("http://terminology.hl7.org/CodeSystem/endpoint-connection-type","code":)"
         R"("dicom-wado-rs"},"name":"medbridge DICOMweb","payloadType":[{"text":"DICOM"}],)"
         R"("payloadMimeType":["application/dicom"],"address":")" +
         url + R"("})";
}

}  // namespace

ImagingStudyPublisher::ImagingStudyPublisher(store::IStore& store,
                                             const mappings::identity::IdentifierSystems& systems,
                                             const core::IClock& clock, int stableSeconds)
    : store_(store), systems_(systems), clock_(clock), stableSeconds_(stableSeconds) {}

ImagingStudyPublisher::~ImagingStudyPublisher() {
  stop();
}

void ImagingStudyPublisher::start(const std::string& dicomwebUrl) {
  dicomwebUrl_ = dicomwebUrl;
  // Checks a few times per stable period, at least once a second.
  auto interval = std::chrono::milliseconds(std::clamp(stableSeconds_ * 250, 200, 1000));
  loop_.start([this] { return publishDue(); }, interval, "medbridge.app.imaging",
              "publishing ImagingStudy resources");
}

void ImagingStudyPublisher::stop() {
  loop_.stop();
}

int ImagingStudyPublisher::publishDue() {
  auto due = store_.studiesToPublish(clock_.nowMillis() - stableSeconds_ * 1000LL, kStudiesPerPass);
  for (const auto& study : due) publish(study);
  return static_cast<int>(due.size());
}

void ImagingStudyPublisher::publishStudy(const std::string& studyUid, const std::string& subject) {
  publish({studyUid, clock_.nowMillis()}, subject);
}

void ImagingStudyPublisher::publish(const store::PendingStudy& study, const std::string& subject) {
  mappings::dicom::InstanceFilter filter;
  filter.studyInstanceUids = {study.studyUid};
  auto instances = store_.dicomInstances(filter);
  if (instances.empty()) return;
  std::vector<rapidjson::Document> headers;
  for (const auto& i : instances)
    headers.emplace_back().Parse<rapidjson::kParseNumbersAsStringsFlag>(i.header.c_str());
  if (std::any_of(headers.begin(), headers.end(), [](auto& h) { return !h.IsObject(); })) return;

  mappings::dicom::ImagingStudyContext context;
  context.endpoint = std::string("Endpoint/") + kEndpointId;
  const auto& first = instances.front();
  context.subject.display = first.patientName;
  context.subject.reference = subject;
  auto facts = mappings::identity::patientFactsFromDicom(first, systems_);
  for (const auto& id : facts.identifiers) {
    if (auto known = store_.crossReference(id.system, id.value))
      for (const auto& k : *known)
        if (!k.resourceId.empty() && context.subject.reference.empty())
          context.subject.reference = "Patient/" + k.resourceId;
    if (context.subject.system.empty()) {
      context.subject.system = id.system;
      context.subject.value = id.value;
    }
  }
  if (context.subject.value.empty()) context.subject.value = first.patientId;

  // The Endpoint every ImagingStudy points to, written with the first one a run publishes.
  std::call_once(endpointWritten_, [this] {
    store_.putResource("Endpoint", kEndpointId, endpointJson(dicomwebUrl_), clock_.nowMillis());
  });
  std::string json = mappings::dicom::imagingStudyJson(headers, context);
  rapidjson::Document doc;
  std::vector<mappings::fhir::IndexEntry> index;
  if (!mappings::fhir::parseJson(json, doc)) index = mappings::fhir::indexEntries(doc);
  std::string hash = core::sha256Hex(json);
  std::int64_t now = clock_.nowMillis();
  int version = 0;
  store_.transact([&](store::IResourceTx& tx) {
    auto current = tx.current("ImagingStudy", study.studyUid);
    version = current ? current->version + 1 : 1;
    tx.put({"ImagingStudy", study.studyUid, json, core::instantOf(now), version, false}, hash,
           index);
    tx.markStudyPublished(study.studyUid, study.lastInstanceAt);
  });
  log().information("ImagingStudy/%s version %d: %z instances", study.studyUid, version,
                    instances.size());
}

}  // namespace medbridge::app
