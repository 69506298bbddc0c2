#include "gateway/app/PlatformBundle.h"

#include <map>

#include "mappings/fhir/Json.h"
#include "mappings/identity/RegionalKey.h"

namespace medbridge::app {
namespace {

namespace fhir = mappings::fhir;
using Value = rapidjson::Value;

// Local Patient id → how the platform's copy is named in this Bundle ("" = keep the reference).
class PatientNames {
 public:
  PatientNames(store::IStore& store, const mappings::identity::IdentifierSystems& systems,
               const std::string& today)
      : store_(store), systems_(systems), today_(today) {}

  void inBundle(const std::string& id, const std::string& fullUrl) { names_[id] = fullUrl; }

  const std::string& name(const std::string& id) {
    auto it = names_.find(id);
    if (it != names_.end()) return it->second;
    std::string name;
    auto current = store_.readResource("Patient", id);
    rapidjson::Document patient;
    if (current && !current->deleted && !fhir::parseJson(current->json, patient)) {
      auto keys = mappings::identity::regionalKeys(patient, systems_, today_);
      if (!keys.empty()) name = mappings::identity::conditionalPatientUrl(keys);
    }
    return names_[id] = name;
  }

  // References "Patient/<local id>" anywhere in v renamed.
  void rename(Value& v, rapidjson::Document::AllocatorType& a) {
    if (v.IsArray()) {
      for (auto& x : v.GetArray()) rename(x, a);
    } else if (v.IsObject()) {
      for (auto& m : v.GetObject()) {
        if (m.value.IsString() && std::string_view(m.name.GetString()) == "reference") {
          std::string ref = m.value.GetString();
          if (ref.rfind("Patient/", 0) != 0 || ref.find('/', 8) != std::string::npos) continue;
          const std::string& to = name(ref.substr(8));
          if (!to.empty())
            m.value.SetString(to.c_str(), static_cast<rapidjson::SizeType>(to.size()), a);
        } else {
          rename(m.value, a);
        }
      }
    }
  }

 private:
  store::IStore& store_;
  const mappings::identity::IdentifierSystems& systems_;
  std::string today_;
  std::map<std::string, std::string> names_;
};

}  // namespace

std::string platformBundle(const std::vector<store::Delivery>& batch, store::IStore& store,
                           const mappings::identity::IdentifierSystems& systems,
                           const std::string& today, bool patientsByRegionalKey) {
  rapidjson::Document bundle(rapidjson::kObjectType);
  auto& a = bundle.GetAllocator();
  bundle.AddMember("resourceType", "Bundle", a);
  bundle.AddMember("type", "transaction", a);
  PatientNames patients(store, systems, today);
  std::vector<rapidjson::Document> resources(batch.size());
  std::vector<std::string> urls(batch.size()), lastUpdated(batch.size());
  auto versions = store.deliveredVersions(batch);
  // Patients first, so references within the Bundle name their entries.
  for (std::size_t i = 0; i < batch.size(); ++i) {
    const auto& d = batch[i];
    urls[i] = d.type + "/" + d.resourceId;
    const auto& version = versions[i];
    if (!version || version->deleted || fhir::parseJson(version->json, resources[i]) ||
        !resources[i].IsObject()) {
      resources[i].SetNull();
      continue;
    }
    lastUpdated[i] = version->lastUpdated;
    if (d.type != "Patient" || !patientsByRegionalKey) continue;
    auto keys = mappings::identity::regionalKeys(resources[i], systems, today);
    if (keys.empty()) continue;
    urls[i] = mappings::identity::conditionalPatientUrl(keys);
    patients.inBundle(d.resourceId, "urn:medbridge:patient:" + d.resourceId);
    resources[i].RemoveMember("id");  // the platform's Patient keeps its own id
  }
  Value entries(rapidjson::kArrayType);
  for (std::size_t i = 0; i < batch.size(); ++i) {
    const auto& d = batch[i];
    Value entry(rapidjson::kObjectType), request(rapidjson::kObjectType);
    if (resources[i].IsObject()) {
      if (d.type == "Patient" && urls[i] != d.type + "/" + d.resourceId)
        fhir::setString(entry, "fullUrl", "urn:medbridge:patient:" + d.resourceId, a);
      Value resource(resources[i], a);
      if (patientsByRegionalKey) patients.rename(resource, a);
      // The patient's sequence number, as a tag: the platform can check the order.
      Value tag(rapidjson::kObjectType);
      fhir::setString(tag, "system", kSequenceSystem, a);
      fhir::setString(tag, "code", std::to_string(d.seq), a);
      fhir::setString(tag, "display", d.patient, a);
      if (!resource.HasMember("meta")) resource.AddMember("meta", Value(rapidjson::kObjectType), a);
      fhir::setString(resource["meta"], "versionId", std::to_string(d.version), a);
      fhir::setString(resource["meta"], "lastUpdated", lastUpdated[i], a);
      fhir::push(resource["meta"], "tag", std::move(tag), a);
      entry.AddMember("resource", resource, a);
      request.AddMember("method", "PUT", a);
    } else {
      request.AddMember("method", "DELETE", a);
    }
    fhir::setString(request, "url", urls[i], a);
    entry.AddMember("request", request, a);
    entries.PushBack(entry, a);
  }
  bundle.AddMember("entry", entries, a);
  return fhir::toJson(bundle);
}

}  // namespace medbridge::app
