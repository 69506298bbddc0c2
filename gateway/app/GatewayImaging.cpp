// The PACS side of the gateway's FHIR server: Patient/{id}/$fetch-images and its job status.
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "gateway/app/DicomForwarder.h"
#include "gateway/app/Gateway.h"
#include "gateway/app/ImageFetcher.h"
#include "gateway/core/ErrorCode.h"
#include "gateway/fhir/FhirServer.h"

namespace medbridge::app {
namespace {

fhir::FhirError asFhirError(const core::Error& e) {
  int status = core::errorInfo(e.code()).httpStatus;
  const char* code = status == 404   ? "not-found"
                     : status == 422 ? "processing"
                     : status >= 500 ? "transient"
                                     : "invalid";
  return fhir::FhirError(status, code, e.what());
}

// A query parameter of a GET operation ("" when absent).
std::string parameter(const fhir::OperationRequest& o, const std::string& name) {
  for (const auto& [k, v] : o.parameters)
    if (k == name) return v;
  return "";
}

// Parameters peer (string), start / end (date), modality (code, repeating).
FetchRequest fetchRequest(const fhir::OperationRequest& o) {
  FetchRequest f;
  f.patientId = o.id;
  rapidjson::Document d;
  d.Parse(o.request.body.c_str());
  if (!o.request.body.empty() &&
      (d.HasParseError() || !d.IsObject() || !d.HasMember("resourceType") ||
       d["resourceType"] != "Parameters"))
    throw fhir::FhirError(400, "invalid", "$fetch-images takes a Parameters resource");
  if (d.IsObject() && d.HasMember("parameter") && d["parameter"].IsArray())
    for (const auto& p : d["parameter"].GetArray()) {
      if (!p.IsObject() || !p.HasMember("name") || !p["name"].IsString()) continue;
      std::string name = p["name"].GetString();
      const char* key = name == "peer"       ? "valueString"
                        : name == "modality" ? "valueCode"
                                             : "valueDate";
      if (!p.HasMember(key) || !p[key].IsString())
        throw fhir::FhirError(400, "invalid", "parameter '" + name + "' needs " + key,
                              "Parameters.parameter");
      std::string value = p[key].GetString();
      if (name == "peer")
        f.peer = value;
      else if (name == "modality")
        f.modalities.push_back(value);
      else if (name == "start")
        f.start = value;
      else if (name == "end")
        f.end = value;
      else
        throw fhir::FhirError(400, "not-supported", "unknown parameter '" + name + "'");
    }
  return f;
}

}  // namespace

void Gateway::registerImagingOperations() {
  fhir_->registerOperation(
      "Patient", "fetch-images", /*typeLevel=*/false, /*instanceLevel=*/true,
      [this](const fhir::OperationRequest& o) -> fhir::FhirResponse {
        if (o.request.method != "POST")
          throw fhir::FhirError(405, "not-supported", "$fetch-images retrieves images: use POST");
        FetchRequest request = fetchRequest(o);
        try {
          if (o.request.header("prefer").find("respond-async") != std::string::npos) {
            std::string job = fetcher_->start(request);
            return {202,
                    "",
                    {{"Content-Location", o.request.base + "/$fetch-images-status?job=" + job}}};
          }
          FetchStatus done = fetcher_->run(request);
          return {done.httpStatus, done.body, {}};
        } catch (const core::Error& e) {
          throw asFhirError(e);
        }
      });
  fhir_->registerOperation(
      "ImagingStudy", "send", false, true,
      [this](const fhir::OperationRequest& o) -> fhir::FhirResponse {
        if (o.request.method != "POST")
          throw fhir::FhirError(405, "not-supported", "$send queues instances: use POST");
        std::string peer;
        rapidjson::Document d;
        d.Parse(o.request.body.c_str());
        if (d.IsObject() && d.HasMember("parameter") && d["parameter"].IsArray())
          for (const auto& p : d["parameter"].GetArray())
            if (p.IsObject() && p.HasMember("name") && p["name"] == "peer" &&
                p.HasMember("valueString") && p["valueString"].IsString())
              peer = p["valueString"].GetString();
        if (peer.empty())
          throw fhir::FhirError(400, "required", "$send needs parameter 'peer' (valueString)");
        if (!store_->readResource("ImagingStudy", o.id))
          throw fhir::FhirError(404, "not-found", "ImagingStudy/" + o.id + " is not known");
        try {
          auto ids = forwarder_->queueStudy(o.id, peer);
          std::string body = R"({"resourceType":"Parameters","parameter":[{"name":"queued",)"
                             R"("valueInteger":)" +
                             std::to_string(ids.size()) + "}";
          for (auto id : ids)
            body += R"(,{"name":"forward","valueString":")" + std::to_string(id) + R"("})";
          return {202, body + "]}", {}};
        } catch (const core::Error& e) {
          throw asFhirError(e);
        }
      });
  fhir_->registerOperation(
      "", "send-status", true, false,
      [this](const fhir::OperationRequest& o) -> fhir::FhirResponse {
        std::string forward = parameter(o, "forward");
        std::int64_t id = 0;
        try {
          id = std::stoll(forward);
        } catch (const std::exception&) {
          throw fhir::FhirError(400, "required", "$send-status needs forward=<id>");
        }
        auto [state, error] = store_->dicomForwardState(id);
        if (state.empty()) throw fhir::FhirError(404, "not-found", "no forward " + forward);
        std::string body = R"({"resourceType":"Parameters","parameter":[{"name":"state",)"
                           R"("valueCode":")" +
                           state + R"("})";
        if (!error.empty()) {
          rapidjson::StringBuffer b;
          rapidjson::Writer<rapidjson::StringBuffer> w(b);
          w.String(error.c_str());
          body += R"(,{"name":"error","valueString":)" + std::string(b.GetString()) + "}";
        }
        return {200, body + "]}", {}};
      });
  fhir_->registerOperation(
      "", "fetch-images-status", true, false,
      [this](const fhir::OperationRequest& o) -> fhir::FhirResponse {
        std::string job = parameter(o, "job");
        auto status = fetcher_->status(job);
        if (!status) throw fhir::FhirError(404, "not-found", "no $fetch-images job '" + job + "'");
        if (!status->done)
          return {
              202,
              "",
              {{"X-Progress", std::to_string(status->studiesRetrieved) + " of " +
                                  std::to_string(status->studiesFound) + " studies retrieved, " +
                                  std::to_string(status->instances) + " instances"}}};
        return {status->httpStatus, status->body, {}};
      });
}

}  // namespace medbridge::app
