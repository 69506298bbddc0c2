#include "gateway/app/ImageFetcher.h"

#include <Poco/Logger.h>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <algorithm>

#include "adapters/pacs_dicom/DicomClient.h"
#include "gateway/core/ErrorCode.h"
#include "gateway/fhir/FhirError.h"

namespace medbridge::app {
namespace {

Poco::Logger& log() {
  return Poco::Logger::get("medbridge.app.imaging");
}

std::string dicomDate(const std::string& fhirDate) {
  std::string out;
  for (char c : fhirDate)
    if (c != '-') out += c;
  return out;
}

// The values of one attribute of a C-FIND identifier (DICOM JSON).
std::vector<std::string> values(const std::string& identifierJson, const char* tag) {
  std::vector<std::string> out;
  rapidjson::Document d;
  d.Parse<rapidjson::kParseNumbersAsStringsFlag>(identifierJson.c_str());
  if (!d.IsObject()) return out;
  auto attr = d.FindMember(tag);
  if (attr == d.MemberEnd() || !attr->value.IsObject()) return out;
  auto v = attr->value.FindMember("Value");
  if (v == attr->value.MemberEnd() || !v->value.IsArray()) return out;
  for (const auto& item : v->value.GetArray())
    if (item.IsString() && item.GetStringLength() > 0) out.push_back(item.GetString());
  return out;
}

bool anyOf(const std::vector<std::string>& found, const std::vector<std::string>& wanted) {
  for (const auto& f : found)
    if (std::find(wanted.begin(), wanted.end(), f) != wanted.end()) return true;
  return false;
}

std::string resultParameters(const std::vector<std::string>& studies, int instances) {
  rapidjson::StringBuffer b;
  rapidjson::Writer<rapidjson::StringBuffer> w(b);
  w.StartObject();
  w.Key("resourceType");
  w.String("Parameters");
  w.Key("parameter");
  w.StartArray();
  for (const auto& uid : studies) {
    w.StartObject();
    w.Key("name");
    w.String("imagingStudy");
    w.Key("valueReference");
    w.StartObject();
    w.Key("reference");
    w.String(("ImagingStudy/" + uid).c_str());
    w.EndObject();
    w.EndObject();
  }
  w.StartObject();
  w.Key("name");
  w.String("instances");
  w.Key("valueInteger");
  w.Int(instances);
  w.EndObject();
  w.EndArray();
  w.EndObject();
  return b.GetString();
}

}  // namespace

ImageFetcher::ImageFetcher(const core::DicomConfig& dicom, store::IStore& store,
                           adapters::pacs_dicom::InstanceArchive& archive,
                           ImagingStudyPublisher& publisher)
    : dicom_(dicom), store_(store), archive_(archive), publisher_(publisher) {}

ImageFetcher::~ImageFetcher() {
  for (auto& t : threads_) t.join();
}

ImageFetcher::Plan ImageFetcher::plan(const FetchRequest& request) {
  Plan p;
  if (!request.peer.empty()) {
    auto it = dicom_.peers.find(request.peer);
    if (it == dicom_.peers.end())
      throw core::Error(core::ErrorCode::DicomPeerUnknown, request.peer);
    p.peerAet = it->first;
    p.peer = it->second;
  } else {
    for (const auto& [aet, peer] : dicom_.peers)
      if (!peer.patientIdSystem.empty()) {
        if (!p.peerAet.empty())
          throw fhir::FhirError(400, "required",
                                "more than one PACS in dicom.peers: name one with parameter "
                                "'peer'");
        p.peerAet = aet;
        p.peer = peer;
      }
    if (p.peerAet.empty())
      throw core::Error(core::ErrorCode::DicomPeerUnknown,
                        "no peer in dicom.peers has a patientIdSystem");
  }
  if (p.peer.patientIdSystem.empty())
    throw fhir::FhirError(400, "required",
                          "dicom.peers." + p.peerAet + ".patientIdSystem is not configured");
  auto patient = store_.readResource("Patient", request.patientId);
  if (!patient || patient->deleted)
    throw fhir::FhirError(404, "not-found", "Patient/" + request.patientId + " is not known");
  rapidjson::Document d;
  d.Parse(patient->json.c_str());
  if (d.IsObject() && d.HasMember("identifier") && d["identifier"].IsArray())
    for (const auto& id : d["identifier"].GetArray()) {
      if (!id.IsObject() || !id.HasMember("system") || !id.HasMember("value") ||
          !id["system"].IsString() || !id["value"].IsString())
        continue;
      if (id["system"].GetString() == p.peer.patientIdSystem) {
        p.pacsPatientId = id["value"].GetString();
        break;
      }
      if (auto all = store_.crossReference(id["system"].GetString(), id["value"].GetString()))
        for (const auto& known : *all)
          if (known.system == p.peer.patientIdSystem) p.pacsPatientId = known.value;
      if (!p.pacsPatientId.empty()) break;
    }
  if (p.pacsPatientId.empty())
    throw core::Error(core::ErrorCode::DicomNoPeerIdentifier,
                      "Patient/" + request.patientId + " in " + p.peer.patientIdSystem);
  return p;
}

void ImageFetcher::execute(const FetchRequest& request, const Plan& plan, FetchStatus& status) {
  adapters::pacs_dicom::DicomClient client(dicom_.aet, plan.peerAet, plan.peer, archive_);
  mappings::dicom::DicomQuery query;
  query.keys = {{"00100020", "LO", plan.pacsPatientId}, {"0020000D", "UI", ""}};
  if (!request.start.empty() || !request.end.empty())
    query.keys.push_back(
        {"00080020", "DA", dicomDate(request.start) + "-" + dicomDate(request.end)});
  if (!request.modalities.empty()) {
    std::string list;
    for (const auto& m : request.modalities) list += (list.empty() ? "" : "\\") + m;
    query.keys.push_back({"00080061", "CS", list});
  }
  std::vector<std::string> studies;
  for (const auto& identifier : client.find(query)) {
    auto uid = values(identifier, "0020000D");
    if (uid.empty()) continue;
    if (!request.modalities.empty()) {
      // ModalitiesInStudy is optional for a PACS (dcmqrscp ignores it): without it in the
      // answer, the study's series tell.
      auto modalities = values(identifier, "00080061");
      if (modalities.empty()) {
        mappings::dicom::DicomQuery series;
        series.level = mappings::dicom::QueryLevel::Series;
        series.keys = {{"0020000D", "UI", uid[0]}, {"0020000E", "UI", ""}, {"00080060", "CS", ""}};
        for (const auto& s : client.find(series))
          for (const auto& m : values(s, "00080060")) modalities.push_back(m);
      }
      if (!anyOf(modalities, request.modalities)) continue;
    }
    studies.push_back(uid[0]);
  }
  {
    std::lock_guard lock(mutex_);
    status.studiesFound = static_cast<int>(studies.size());
  }
  int instances = 0;
  for (const auto& uid : studies) {
    auto got = client.retrieveStudy(uid);
    if (got.failed > 0)
      throw core::Error(core::ErrorCode::DicomPeerFailed,
                        plan.peerAet + ": " + std::to_string(got.failed) + " instances of study " +
                            uid + " failed to arrive");
    publisher_.publishStudy(uid, "Patient/" + request.patientId);
    std::lock_guard lock(mutex_);
    ++status.studiesRetrieved;
    status.instances += got.completed;
    instances = status.instances;
  }
  log().information("$fetch-images for Patient/%s from %s: %z studies, %d instances",
                    request.patientId, plan.peerAet, studies.size(), instances);
  std::lock_guard lock(mutex_);
  status.body = resultParameters(studies, instances);
  status.httpStatus = 200;
  status.done = true;
}

FetchStatus ImageFetcher::run(const FetchRequest& request) {
  Plan p = plan(request);
  FetchStatus status;
  execute(request, p, status);
  return status;
}

std::string ImageFetcher::start(const FetchRequest& request) {
  Plan p = plan(request);
  std::lock_guard lock(mutex_);
  std::string job = std::to_string(++nextJob_);
  jobs_[job];
  threads_.emplace_back([this, request, p, job] {
    FetchStatus* status;
    {
      std::lock_guard l(mutex_);
      status = &jobs_[job];
    }
    try {
      execute(request, p, *status);
    } catch (const core::Error& e) {
      std::lock_guard l(mutex_);
      status->httpStatus = core::errorInfo(e.code()).httpStatus;
      status->body = fhir::operationOutcome({{"error", "exception", e.what(), ""}});
      status->done = true;
    } catch (const std::exception& e) {
      std::lock_guard l(mutex_);
      status->httpStatus = 500;
      status->body = fhir::operationOutcome({{"error", "exception", e.what(), ""}});
      status->done = true;
    }
  });
  return job;
}

std::optional<FetchStatus> ImageFetcher::status(const std::string& job) {
  std::lock_guard lock(mutex_);
  auto it = jobs_.find(job);
  if (it == jobs_.end()) return std::nullopt;
  return it->second;
}

}  // namespace medbridge::app
