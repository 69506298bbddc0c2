#include "gateway/app/ReferralForm.h"

#include "gateway/core/Hash.h"
#include "gateway/store/ResourceReads.h"
#include "gateway/workflow/ConsultationMachine.h"
#include "gateway/workflow/ReferralCheck.h"
#include "gateway/workflow/WorkflowCodes.h"
#include "mappings/fhir/Json.h"
#include "mappings/tables/Tables.h"

namespace medbridge::app {
namespace {

using mappings::fhir::Value;
using workflow::ConsultationMachine;

constexpr auto text = mappings::fhir::stringMember;
constexpr const char* kNationalIdSystem = "urn:oid:2.16.156.10011.1.3";

std::string escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// The Chinese designation (else the display) of a code in an embedded CodeSystem table.
std::string chinese(const char* table, const std::string& code) {
  rapidjson::Document d;
  d.Parse(mappings::embeddedTables().at(table).c_str());
  for (const auto& c : d["concept"].GetArray()) {
    if (text(c, "code") != code) continue;
    if (c.HasMember("designation"))
      for (const auto& g : c["designation"].GetArray())
        if (text(g, "language") == "zh") return text(g, "value");
    return text(c, "display");
  }
  return code;
}

std::string level(const Value& organization) {
  if (auto it = organization.FindMember("extension");
      it != organization.MemberEnd() && it->value.IsArray())
    for (const auto& e : it->value.GetArray())
      if (text(e, "url") == workflow::kLevelExtension && e.HasMember("valueCoding"))
        return chinese("hospital-levels", text(e["valueCoding"], "code"));
  return "";
}

std::string institution(const std::string& reference, const ResourceReader& read) {
  rapidjson::Document org;
  if (!read(reference, org)) return escape(reference);
  std::string grade = level(org);
  return escape(nameText(org)) + (grade.empty() ? "" : "（" + escape(grade) + "）");
}

std::string row(const std::string& a, const std::string& b, const std::string& c = "",
                const std::string& d = "") {
  if (c.empty()) return "<tr><th>" + a + "</th><td colspan=\"3\">" + b + "</td></tr>\n";
  return "<tr><th>" + a + "</th><td>" + b + "</td><th>" + c + "</th><td>" + d + "</td></tr>\n";
}

}  // namespace

std::string nameText(const Value& resource) {
  if (auto name = text(resource, "name"); !name.empty()) return name;  // Organization
  auto it = resource.FindMember("name");
  if (it == resource.MemberEnd() || !it->value.IsArray() || it->value.Empty()) return "";
  const auto& n = it->value[0];
  if (auto t = text(n, "text"); !t.empty()) return t;
  std::string out = text(n, "family");
  if (n.HasMember("given") && n["given"].IsArray())
    for (const auto& g : n["given"].GetArray())
      if (g.IsString()) out += g.GetString();
  return out;
}

std::string referralFormHtml(const Value& task, const ResourceReader& read,
                             const std::string& date) {
  std::string id = text(task, "id");
  rapidjson::Document request, patient;
  read(ConsultationMachine::reference(task, "focus"), request);
  std::string direction = request.IsObject() ? workflow::referralDirection(request) : "";
  std::string patientRef = ConsultationMachine::reference(task, "for");
  read(patientRef, patient);
  std::string name, gender, birth, nationalId;
  if (patient.IsObject()) {
    name = nameText(patient);
    std::string g = text(patient, "gender");
    gender = g == "male" ? "男" : g == "female" ? "女" : g == "other" ? "其他" : "未知";
    birth = text(patient, "birthDate");
    if (auto it = patient.FindMember("identifier");
        it != patient.MemberEnd() && it->value.IsArray())
      for (const auto& i : it->value.GetArray())
        if (text(i, "system") == kNationalIdSystem) nationalId = text(i, "value");
  }
  std::string reasons;
  if (request.IsObject()) {
    if (auto it = request.FindMember("reasonCode");
        it != request.MemberEnd() && it->value.IsArray())
      for (const auto& r : it->value.GetArray()) {
        std::string code = mappings::fhir::codeIn(r, workflow::kReferralIndicationSystem);
        std::string shown = !code.empty() ? chinese("referral-indications", code) : text(r, "text");
        if (!shown.empty()) reasons += (reasons.empty() ? "" : "；") + escape(shown);
      }
    if (auto it = request.FindMember("note"); it != request.MemberEnd() && it->value.IsArray())
      for (const auto& n : it->value.GetArray())
        if (auto t = text(n, "text"); !t.empty()) reasons += "<br>" + escape(t);
  }
  std::string consultations, carried;
  if (request.IsObject()) {
    if (auto it = request.FindMember("basedOn"); it != request.MemberEnd() && it->value.IsArray())
      for (const auto& b : it->value.GetArray())
        consultations += (consultations.empty() ? "" : "，") + escape(text(b, "reference"));
    if (auto it = request.FindMember("supportingInfo");
        it != request.MemberEnd() && it->value.IsArray())
      for (const auto& s : it->value.GetArray()) {
        std::string ref = text(s, "reference");
        rapidjson::Document item;
        std::string title;
        if (read(ref, item))
          for (const char* member : {"title", "description"})
            if (title.empty()) title = text(item, member);
        carried += "<li>" + escape(ref) + (title.empty() ? "" : " " + escape(title)) + "</li>";
      }
  }
  std::string heading = direction == "upward"     ? "双向转诊单（上转）"
                        : direction == "downward" ? "双向转诊单（下转）"
                                                  : "双向转诊单";
  std::string out =
      "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n<title>" +
      heading + " Task/" + escape(id) +
      "</title>\n<style>body{font-family:\"SimSun\",\"Songti SC\",serif;margin:2cm}"
      "table{border-collapse:collapse;width:100%}th,td{border:1px solid #000;padding:4px "
      "8px;text-align:left}@media print{body{margin:1cm}}</style>\n</head>\n<body>\n<h1>" +
      heading + "</h1>\n<p class=\"number\">编号：Task/" + escape(id) + "　日期：" + escape(date) +
      "</p>\n<table class=\"referral\">\n" + row("患者姓名", escape(name), "性别", gender) +
      row("出生日期", escape(birth), "身份证号", escape(nationalId)) +
      row("转出机构", institution(ConsultationMachine::reference(task, "requester"), read)) +
      row("转入机构", institution(ConsultationMachine::invitedOrganization(task).empty()
                                      ? ConsultationMachine::reference(task, "owner")
                                      : ConsultationMachine::invitedOrganization(task),
                                  read)) +
      row("转诊类型", direction.empty() ? "" : chinese("referral-directions", direction),
          "紧急程度", text(task, "priority") == "stat" ? "急诊" : "普通") +
      row("转诊原因", reasons) + row("前期远程会诊", consultations.empty() ? "无" : consultations) +
      row("随转资料", carried.empty() ? "" : "<ul>" + carried + "</ul>") +
      "</table>\n<div class=\"signatures\">\n<h2>签字</h2>\n<table>\n" +
      row("转出医师签名", "", "转出机构（盖章）", "") +
      row("患者或家属签名", "", "转入机构确认", "") +
      row("日期", "年　月　日", "日期", "年　月　日") + "</table>\n</div>\n</body>\n</html>\n";
  return out;
}

std::string referralFormDocument(const Value& task, const std::string& html,
                                 const std::string& now) {
  std::string id = text(task, "id");
  rapidjson::Document d(rapidjson::kObjectType);
  auto& a = d.GetAllocator();
  std::string json =
      R"({"resourceType":"DocumentReference","status":"current","type":{"coding":[{"system":"http://loinc.org","code":"57133-1","display":"Referral note"}]},"category":[{"coding":[{"system":")" +
      std::string(workflow::kTaskCodeSystem) +
      R"(","code":"referral"}]}],"description":"双向转诊单 Task/)" + id +
      R"(","content":[{"attachment":{"contentType":"text/html; charset=utf-8","language":"zh-CN"}}],"context":{"related":[{"reference":"Task/)" +
      id + R"("}]}})";
  mappings::fhir::parseJson(json, d);
  d.AddMember("id", mappings::fhir::str("referral-form-" + id, a), a);
  if (task.HasMember("for")) d.AddMember("subject", Value().CopyFrom(task["for"], a), a);
  d.AddMember("date", mappings::fhir::str(now, a), a);
  auto& attachment = d["content"][0]["attachment"];
  attachment.AddMember("data", mappings::fhir::str(core::base64(html), a), a);
  attachment.AddMember("size", static_cast<unsigned>(html.size()), a);
  attachment.AddMember("title", mappings::fhir::str("referral-" + id + ".html", a), a);
  attachment.AddMember("creation", mappings::fhir::str(now, a), a);
  return mappings::fhir::toJson(d);
}

void registerReferralForm(fhir::FhirServer& fhir, store::IStore& store,
                          std::function<std::string()> today) {
  fhir.registerOperation(
      "Task", "referral-form", false, true,
      [&store, today = std::move(today)](const fhir::OperationRequest& o) {
        auto stored = store.readResource("Task", o.id);
        rapidjson::Document task;
        if (!stored || stored->deleted || mappings::fhir::parseJson(stored->json, task) ||
            !ConsultationMachine::isReferral(task))
          throw fhir::FhirError(404, "not-found", "Task/" + o.id + " is not a referral known here");
        ResourceReader read = [&store](const std::string& reference, rapidjson::Document& out) {
          return store::readStored(store, reference, out);
        };
        return fhir::FhirResponse{200,
                                  referralFormHtml(task, read, today()),
                                  {{"Content-Type", "text/html; charset=utf-8"}}};
      });
}

}  // namespace medbridge::app
