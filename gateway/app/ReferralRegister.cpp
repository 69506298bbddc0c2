#include "gateway/app/ReferralRegister.h"

#include <algorithm>
#include <vector>

#include "gateway/app/ReferralForm.h"
#include "gateway/fhir/ResourceJson.h"
#include "gateway/store/ResourceReads.h"
#include "gateway/workflow/ConsultationMachine.h"
#include "gateway/workflow/ReferralCheck.h"
#include "gateway/workflow/WorkflowCodes.h"
#include "mappings/fhir/Json.h"
#include "mappings/fhir/SearchQuery.h"

namespace medbridge::app {
namespace {

using mappings::fhir::Value;
using workflow::ConsultationMachine;

constexpr auto text = mappings::fhir::stringMember;
constexpr const char* kRegisterSystem = "urn:medbridge:codesystem:referral-register";

struct Row {
  store::ResourceVersion task;
  std::string authored, entry, direction, patient, patientName, sending, receiving, indications,
      state, emergency;
};

// The current version of `reference`, an empty object when there is none.
rapidjson::Document read(store::IStore& store, const std::string& reference) {
  rapidjson::Document d;
  if (!store::readStored(store, reference, d)) d.SetObject();
  return d;
}

// A CSV field: quoted when it holds a comma, a quote or a line break.
std::string csv(const std::string& value) {
  if (value.find_first_of(",\"\r\n") == std::string::npos) return value;
  std::string out = "\"";
  for (char c : value) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string parameter(const fhir::OperationRequest& o, const std::string& name) {
  for (const auto& [k, v] : o.parameters)
    if (k == name) return v;
  return "";
}

bool isDate(const std::string& s) {
  return s.size() == 10 && s[4] == '-' && s[7] == '-';
}

std::vector<Row> rows(store::IStore& store, const std::string& organization,
                      const std::string& start, const std::string& end) {
  std::vector<Row> out;
  auto query =
      mappings::fhir::parseSearch("Task",
                                  {{"code", std::string(workflow::kTaskCodeSystem) + "|referral"},
                                   {"authored-on", "ge" + start},
                                   {"authored-on", "le" + end}},
                                  true);
  for (const auto& id : store.search(query)) {
    auto v = store.readResource("Task", id);
    rapidjson::Document task;
    if (!v || v->deleted || mappings::fhir::parseJson(v->json, task)) continue;
    Row r;
    r.task = *v;
    r.sending = ConsultationMachine::reference(task, "requester");
    r.receiving = ConsultationMachine::invitedOrganization(task);
    if (r.receiving.empty()) r.receiving = ConsultationMachine::reference(task, "owner");
    if (organization != r.sending && organization != r.receiving) continue;
    if (text(task, "status") == "draft") continue;
    r.entry = organization == r.sending ? "out" : "in";
    r.authored = text(task, "authoredOn");
    r.state = ConsultationMachine::state(task);
    r.emergency = text(task, "priority") == "stat" ? "yes" : "no";
    r.patient = ConsultationMachine::reference(task, "for");
    r.patientName = nameText(read(store, r.patient));
    auto request = read(store, ConsultationMachine::reference(task, "focus"));
    r.direction = workflow::referralDirection(request);
    if (auto it = request.FindMember("reasonCode");
        it != request.MemberEnd() && it->value.IsArray())
      for (const auto& reason : it->value.GetArray())
        if (auto code = mappings::fhir::codeIn(reason, workflow::kReferralIndicationSystem);
            !code.empty())
          r.indications += (r.indications.empty() ? "" : ";") + code;
    out.push_back(std::move(r));
  }
  std::sort(out.begin(), out.end(), [](const Row& a, const Row& b) {
    return a.authored != b.authored ? a.authored < b.authored : a.task.id < b.task.id;
  });
  return out;
}

std::string asCsv(store::IStore& store, const std::vector<Row>& rows) {
  std::string out =
      "authored,entry,direction,task,patient,patient_name,sending,sending_name,receiving,"
      "receiving_name,indications,state,emergency\r\n";
  for (const auto& r : rows)
    out += csv(r.authored) + "," + r.entry + "," + r.direction + ",Task/" + csv(r.task.id) + "," +
           csv(r.patient) + "," + csv(r.patientName) + "," + csv(r.sending) + "," +
           csv(nameText(read(store, r.sending))) + "," + csv(r.receiving) + "," +
           csv(nameText(read(store, r.receiving))) + "," + csv(r.indications) + "," + r.state +
           "," + r.emergency + "\r\n";
  return out;
}

std::string asBundle(const std::vector<Row>& rows, const std::string& organization,
                     const std::string& start, const std::string& end, const std::string& base) {
  rapidjson::Document list(rapidjson::kObjectType);
  auto& a = list.GetAllocator();
  list.AddMember("resourceType", "List", a);
  list.AddMember("status", "current", a);
  list.AddMember("mode", "snapshot", a);
  list.AddMember("title",
                 mappings::fhir::str("双向转诊登记表 " + organization + " " + start + "/" + end, a),
                 a);
  list.AddMember("source", mappings::fhir::reference(organization, a), a);
  Value entries(rapidjson::kArrayType);
  for (const auto& r : rows) {
    Value entry(rapidjson::kObjectType), flag(rapidjson::kObjectType),
        coding(rapidjson::kObjectType);
    coding.AddMember("system", rapidjson::StringRef(kRegisterSystem), a);
    coding.AddMember("code", mappings::fhir::str(r.entry, a), a);
    coding.AddMember("display", rapidjson::StringRef(r.entry == "out" ? "转出" : "转入"), a);
    flag.AddMember("coding", Value(rapidjson::kArrayType).PushBack(coding, a), a);
    entry.AddMember("flag", flag, a);
    if (!r.authored.empty()) entry.AddMember("date", mappings::fhir::str(r.authored, a), a);
    entry.AddMember("item", mappings::fhir::reference("Task/" + r.task.id, a), a);
    entries.PushBack(entry, a);
  }
  if (!entries.Empty()) list.AddMember("entry", entries, a);

  rapidjson::Document bundle(rapidjson::kObjectType);
  auto& b = bundle.GetAllocator();
  bundle.AddMember("resourceType", "Bundle", b);
  bundle.AddMember("type", "collection", b);
  Value all(rapidjson::kArrayType);
  Value first(rapidjson::kObjectType);
  first.AddMember("resource", Value(list, b), b);
  all.PushBack(first, b);
  for (const auto& r : rows) {
    rapidjson::Document task;
    mappings::fhir::parseJson(fhir::served(r.task), task);
    Value entry(rapidjson::kObjectType);
    entry.AddMember("fullUrl", mappings::fhir::str(base + "/Task/" + r.task.id, b), b);
    entry.AddMember("resource", Value(task, b), b);
    all.PushBack(entry, b);
  }
  bundle.AddMember("total", static_cast<unsigned>(rows.size()), b);
  bundle.AddMember("entry", all, b);
  return mappings::fhir::toJson(bundle);
}

}  // namespace

void registerReferralRegister(fhir::FhirServer& fhir, store::IStore& store) {
  fhir.registerOperation(
      "Task", "referral-register", true, false, [&store](const fhir::OperationRequest& o) {
        std::string organization = parameter(o, "organization"), start = parameter(o, "start"),
                    end = parameter(o, "end");
        if (organization.rfind("Organization/", 0) != 0)
          throw fhir::FhirError(400, "required",
                                "$referral-register needs organization=Organization/<id>");
        if (!isDate(start) || !isDate(end) || end < start)
          throw fhir::FhirError(400, "invalid",
                                "$referral-register needs start and end dates "
                                "(YYYY-MM-DD, start <= end)");
        auto found = rows(store, organization, start, end);
        if (o.request.header("accept").find("text/csv") != std::string::npos)
          return fhir::FhirResponse{
              200, asCsv(store, found), {{"Content-Type", "text/csv; charset=utf-8"}}};
        return fhir::FhirResponse{
            200, asBundle(found, organization, start, end, o.request.base), {}};
      });
}

}  // namespace medbridge::app
