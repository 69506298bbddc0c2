#include "gateway/workflow/ConsultationMachine.h"

#include <algorithm>

#include "gateway/core/Time.h"
#include "gateway/workflow/WorkflowCodes.h"
#include "mappings/fhir/Json.h"
#include "mappings/fhir/SearchValues.h"
#include "mappings/tables/Tables.h"

namespace medbridge::workflow {
namespace {

using mappings::fhir::Value;
using Alloc = rapidjson::Document::AllocatorType;

constexpr auto text = mappings::fhir::stringMember;

// The code of the first coding of `system` in a CodeableConcept member ("" when none).
std::string codeIn(const Value& obj, const char* member, const char* system) {
  if (!obj.IsObject()) return "";
  auto it = obj.FindMember(member);
  if (it == obj.MemberEnd() || !it->value.IsObject() || !it->value.HasMember("coding") ||
      !it->value["coding"].IsArray())
    return "";
  for (const auto& c : it->value["coding"].GetArray())
    if (text(c, "system") == system) return text(c, "code");
  return "";
}

std::int64_t millisOf(const std::string& instant) {
  auto r = mappings::fhir::dateRange(instant);
  return r ? r->from : 0;
}

// The deadline extensions' sub-extension `name` (a valueCode or valueDateTime).
std::string part(const Value& deadline, const char* name) {
  for (const auto& e : deadline["extension"].GetArray())
    if (text(e, "url") == name) {
      for (const char* v : {"valueCode", "valueDateTime"})
        if (auto s = text(e, v); !s.empty()) return s;
    }
  return "";
}

void addPart(Value& deadline, const char* name, const char* kind, const std::string& v, Alloc& a) {
  Value e(rapidjson::kObjectType);
  e.AddMember("url", mappings::fhir::str(name, a), a);
  e.AddMember(rapidjson::StringRef(kind), mappings::fhir::str(v, a), a);
  deadline["extension"].PushBack(std::move(e), a);
}

bool isExtension(const Value& e, const char* url) {
  return text(e, "url") == url;
}

// Removes the extensions with these urls.
void dropExtensions(Value& task, std::initializer_list<const char*> urls) {
  auto it = task.FindMember("extension");
  if (it == task.MemberEnd() || !it->value.IsArray()) return;
  auto& list = it->value;
  for (auto e = list.Begin(); e != list.End();) {
    bool drop =
        std::any_of(urls.begin(), urls.end(), [&](const char* u) { return isExtension(*e, u); });
    e = drop ? list.Erase(e) : e + 1;
  }
  if (list.Empty()) task.RemoveMember("extension");
}

std::vector<Value*> deadlinesOf(Value& task) {
  std::vector<Value*> out;
  auto it = task.FindMember("extension");
  if (it == task.MemberEnd() || !it->value.IsArray()) return out;
  for (auto& e : it->value.GetArray())
    if (isExtension(e, kDeadlineExtension) && e.HasMember("extension")) out.push_back(&e);
  return out;
}

bool hasBreachTag(const Value& task) {
  if (!task.HasMember("meta") || !task["meta"].HasMember("tag")) return false;
  for (const auto& t : task["meta"]["tag"].GetArray())
    if (text(t, "system") == kFlagSystem && text(t, "code") == kBreachedFlag) return true;
  return false;
}

void addBreachTag(rapidjson::Document& task) {
  if (hasBreachTag(task)) return;
  auto& a = task.GetAllocator();
  if (!task.HasMember("meta")) task.AddMember("meta", Value(rapidjson::kObjectType), a);
  Value tag(rapidjson::kObjectType);
  tag.AddMember("system", mappings::fhir::str(kFlagSystem, a), a);
  tag.AddMember("code", mappings::fhir::str(kBreachedFlag, a), a);
  tag.AddMember("display", "A workflow deadline was missed", a);
  mappings::fhir::push(task["meta"], "tag", std::move(tag), a);
}

void setMember(Value& obj, const char* name, Value&& v, Alloc& a) {
  obj.RemoveMember(name);
  obj.AddMember(rapidjson::StringRef(name), std::move(v), a);
}

// The use ("refusal", "return", ...) a reason code of workflow-reasons.json is meant for.
bool reasonFits(const std::string& code, const std::string& use) {
  static const rapidjson::Document table = [] {
    rapidjson::Document d;
    d.Parse(mappings::embeddedTables().at("workflow-reasons").c_str());
    return d;
  }();
  for (const auto& c : table["concept"].GetArray()) {
    if (text(c, "code") != code) continue;
    for (const auto& p : c["property"].GetArray())
      if (text(p, "valueCode") == use) return true;
  }
  return false;
}

std::string reasonUse(const std::string& to) {
  if (to == "accepted/accepted") return "unavailability";
  if (to.rfind("rejected/", 0) == 0) return "refusal";
  if (to.rfind("on-hold/", 0) == 0) return "return";
  if (to.rfind("cancelled/", 0) == 0) return "cancellation";
  return "failure";
}

std::string joined(const std::set<std::string>& s) {
  std::string out;
  for (const auto& x : s) out += (out.empty() ? "" : ", ") + x;
  return out;
}

}  // namespace

ConsultationMachine::ConsultationMachine(TransitionTable table, DeadlineTable deadlines,
                                         int offsetMinutes, int noticeMinutes, std::string kind)
    : table_(std::move(table)),
      deadlines_(std::move(deadlines)),
      offsetMinutes_(offsetMinutes),
      noticeMinutes_(noticeMinutes),
      kind_(std::move(kind)) {}

bool ConsultationMachine::sameProposal(const Value& current, const Value& proposed) {
  auto essence = [](const Value& task) {
    rapidjson::Document d;
    d.CopyFrom(task, d.GetAllocator());
    for (const char* owned :
         {"id", "meta", "restriction", "lastModified", "authoredOn", "executionPeriod"})
      d.RemoveMember(owned);
    dropExtensions(d, {kDeadlineExtension, kInvitedExtension, kReferralPriorityExtension,
                       kFeeWaivedExtension});
    return mappings::fhir::canonicalJson(d);
  };
  return essence(current) == essence(proposed);
}

void ConsultationMachine::markSystemVersion(rapidjson::Document& task, std::int64_t now) {
  auto& a = task.GetAllocator();
  dropExtensions(task, {kActorExtension});
  Value actor(rapidjson::kObjectType), who(rapidjson::kObjectType);
  who.AddMember("display", "medbridge platform (system)", a);
  actor.AddMember("url", mappings::fhir::str(kActorExtension, a), a);
  actor.AddMember("valueReference", std::move(who), a);
  mappings::fhir::push(task, "extension", std::move(actor), a);
  setMember(task, "lastModified", mappings::fhir::str(core::instantOf(now), a), a);
}

std::string ConsultationMachine::state(const Value& task) {
  return text(task, "status") + "/" + codeIn(task, "businessStatus", kBusinessStatusSystem);
}

bool ConsultationMachine::isConsultation(const Value& task) {
  return codeIn(task, "code", kTaskCodeSystem) == "consultation";
}

bool ConsultationMachine::isReferral(const Value& task) {
  return codeIn(task, "code", kTaskCodeSystem) == "referral";
}

bool ConsultationMachine::isWorkflowTask(const Value& task) {
  return isConsultation(task) || isReferral(task);
}

std::string ConsultationMachine::reference(const Value& obj, const char* member) {
  auto it = obj.FindMember(member);
  return it != obj.MemberEnd() ? text(it->value, "reference") : "";
}

std::string ConsultationMachine::invitedOrganization(const Value& task) {
  if (auto it = task.FindMember("extension"); it != task.MemberEnd() && it->value.IsArray())
    for (const auto& e : it->value.GetArray())
      if (isExtension(e, kInvitedExtension) && e.HasMember("valueReference"))
        return text(e["valueReference"], "reference");
  return "";
}

std::string ConsultationMachine::inputReference(const Value& task, const char* list,
                                                const char* type) {
  auto it = task.FindMember(list);
  if (it == task.MemberEnd() || !it->value.IsArray()) return "";
  for (const auto& i : it->value.GetArray())
    if (codeIn(i, "type", kTaskInputSystem) == type && i.HasMember("valueReference"))
      return text(i["valueReference"], "reference");
  return "";
}

TransitionOutcome ConsultationMachine::apply(const Value* current, rapidjson::Document& proposed,
                                             const TransitionFacts& facts) const {
  auto& a = proposed.GetAllocator();
  TransitionOutcome out;
  out.from = current ? state(*current) : "-";
  out.to = state(proposed);
  auto refuse = [&](int status, std::string message, std::string expression) {
    out.status = std::max(out.status == 200 ? 0 : out.status, status);
    out.problems.push_back({std::move(message), std::move(expression)});
  };
  bool emergency = text(proposed, "priority") == "stat";
  const Transition* row = table_.find(out.from, out.to, facts.roles, emergency);
  if (!row) {
    if (facts.roles.empty())
      refuse(409, "the acting party (" + facts.actor + ") takes no part in this " + kind_,
             "Task.extension('" + std::string(kActorExtension) + "')");
    else if (!table_.leads(out.from, out.to))
      refuse(409, "a " + kind_ + " Task cannot move from " + out.from + " to " + out.to,
             "Task.status");
    else
      refuse(409,
             "moving from " + out.from + " to " + out.to + " is not for " + joined(facts.roles) +
                 (emergency ? "" : " (or only for emergencies)"),
             "Task.status");
    return out;
  }

  // Who and what the application is about is fixed when the Task is created.
  if (current) {
    for (const char* member : {"requester", "focus", "for"}) {
      std::string was = reference(*current, member), now = reference(proposed, member);
      if (now.empty() && !was.empty()) {
        Value copy(rapidjson::kObjectType);
        copy.CopyFrom((*current)[member], a);
        setMember(proposed, member, std::move(copy), a);
      } else if (now != was) {
        refuse(409, std::string("Task.") + member + " cannot change (" + was + ")",
               std::string("Task.") + member);
      }
    }
    if (reference(proposed, "owner") != reference(*current, "owner") &&
        !row->needs.count("expert") && !row->needs.count("owner-invited"))
      refuse(409, "Task.owner changes only when an expert is assigned", "Task.owner");
    if (row->needs.count("owner-invited") &&
        reference(proposed, "owner") != invitedOrganization(*current))
      refuse(422,
             "Task.owner goes back to the invited organisation (" + invitedOrganization(*current) +
                 ") for the department head to reassign",
             "Task.owner");
  } else {
    auto need = [&](const char* member, const char* type) {
      if (reference(proposed, member).rfind(std::string(type) + "/", 0) != 0)
        refuse(422, "a new " + kind_ + " Task needs " + member + " (a " + type + ")",
               std::string("Task.") + member);
    };
    need("focus", "ServiceRequest");
    need("for", "Patient");
    need("requester", "Organization");
    need("owner", "Organization");
  }
  if (row->needs.count("statusReason")) {
    std::string code = codeIn(proposed, "statusReason", kReasonSystem), use = reasonUse(out.to);
    if (!reasonFits(code, use))
      refuse(422,
             "this transition needs a coded " + use + " reason (statusReason from " +
                 kReasonSystem + ")" + (code.empty() ? "" : "; '" + code + "' is not one"),
             "Task.statusReason");
  }
  if (row->needs.count("expert") &&
      (reference(proposed, "owner").rfind("PractitionerRole/", 0) != 0 ||
       !facts.ownerIsInvitedExpert))
    refuse(422, "Task.owner must be the expert: a PractitionerRole of the invited organisation",
           "Task.owner");
  if (row->needs.count("appointment") && !facts.sessionStart)
    refuse(422,
           "scheduling needs input 'appointment' referring to a stored Appointment with a start",
           "Task.input");
  if (row->needs.count("report") &&
      inputReference(proposed, "output", "report").rfind("DiagnosticReport/", 0) != 0)
    refuse(422, "completing needs output 'report' referring to the DiagnosticReport",
           "Task.output");
  if (row->check == "notice" && facts.currentSessionStart && facts.sessionStart &&
      *facts.sessionStart != *facts.currentSessionStart &&
      *facts.currentSessionStart - facts.now < std::int64_t(noticeMinutes_) * 60'000)
    refuse(409,
           "a schedule change needs " + std::to_string(noticeMinutes_) +
               " minutes' notice; the session starts at " +
               core::instantOf(*facts.currentSessionStart),
           "Task.input");
  if (!out.problems.empty()) return out;

  // The engine's fields: taken from the current version, never from the proposal.
  dropExtensions(proposed, {kDeadlineExtension, kActorExtension, kInvitedExtension,
                            kReferralPriorityExtension, kFeeWaivedExtension});
  if (proposed.HasMember("meta")) proposed["meta"].RemoveMember("tag");
  if (current && current->HasMember("meta") && (*current)["meta"].HasMember("tag")) {
    Value tags;
    tags.CopyFrom((*current)["meta"]["tag"], a);
    if (!proposed.HasMember("meta")) proposed.AddMember("meta", Value(rapidjson::kObjectType), a);
    proposed["meta"].AddMember("tag", std::move(tags), a);
  }
  Value actor(rapidjson::kObjectType);
  actor.AddMember("url", mappings::fhir::str(kActorExtension, a), a);
  actor.AddMember("valueReference", mappings::fhir::reference(facts.actor, a), a);
  mappings::fhir::push(proposed, "extension", std::move(actor), a);
  std::string invited = current ? invitedOrganization(*current) : reference(proposed, "owner");
  Value invitedExt(rapidjson::kObjectType);
  invitedExt.AddMember("url", mappings::fhir::str(kInvitedExtension, a), a);
  invitedExt.AddMember("valueReference", mappings::fhir::reference(invited, a), a);
  mappings::fhir::push(proposed, "extension", std::move(invitedExt), a);
  // A referred patient is seen with priority and pays no registration fee [A4]: the receiving
  // side's HIS acts on these.
  if (kind_ == "referral")
    for (const char* marker : {kReferralPriorityExtension, kFeeWaivedExtension}) {
      Value e(rapidjson::kObjectType);
      e.AddMember("url", mappings::fhir::str(marker, a), a);
      e.AddMember("valueBoolean", true, a);
      mappings::fhir::push(proposed, "extension", std::move(e), a);
    }
  if (current && current->HasMember("extension"))
    for (const auto& e : (*current)["extension"].GetArray())
      if (isExtension(e, kDeadlineExtension)) {
        Value copy;
        copy.CopyFrom(e, a);
        mappings::fhir::push(proposed, "extension", std::move(copy), a);
      }

  // Deadlines: the events of this move stop and start them.
  std::string nowText = core::instantOf(facts.now);
  std::set<std::string> events;
  bool moved = out.from != out.to;
  if (moved) events.insert(out.to.substr(out.to.find('/') + 1));
  bool consent = !inputReference(proposed, "input", "consent").empty();
  if (consent) events.insert("paperwork-complete");
  if (moved && out.to == "requested/submitted" && emergency && !consent)
    events.insert("paperwork-missing");
  bool ending = TransitionTable::terminal(out.to);
  std::set<std::string> open;
  for (Value* d : deadlinesOf(proposed)) {
    if (!part(*d, "stopped").empty()) continue;
    std::string rule = part(*d, "rule");
    bool stops = ending;
    for (const auto& r : deadlines_.rules())
      if (r.rule == rule)
        for (const auto& e : r.stop) stops = stops || events.count(e);
    if (stops) {
      addPart(*d, "stopped", "valueDateTime", nowText, a);
      out.stopped.push_back(rule);
    } else {
      open.insert(rule);
    }
  }
  if (!ending)
    for (const auto& r : deadlines_.rules()) {
      bool starts = std::any_of(r.start.begin(), r.start.end(),
                                [&](const std::string& e) { return events.count(e) > 0; });
      if (!starts || open.count(r.rule) || !r.appliesToCase(facts.serviceType, facts.inRegion))
        continue;
      Value d(rapidjson::kObjectType);
      d.AddMember("url", mappings::fhir::str(kDeadlineExtension, a), a);
      d.AddMember("extension", Value(rapidjson::kArrayType), a);
      addPart(d, "rule", "valueCode", r.rule, a);
      addPart(d, "started", "valueDateTime", nowText, a);
      addPart(d, "due", "valueDateTime", core::instantOf(r.dueAt(facts.now, offsetMinutes_)), a);
      mappings::fhir::push(proposed, "extension", std::move(d), a);
      open.insert(r.rule);
      out.started.push_back(r.rule);
    }
  std::string next;
  for (Value* d : deadlinesOf(proposed))
    if (part(*d, "stopped").empty()) {
      std::string due = part(*d, "due");
      if (next.empty() || millisOf(due) < millisOf(next)) next = due;
    }
  proposed.RemoveMember("restriction");
  if (!next.empty()) {
    Value period(rapidjson::kObjectType), restriction(rapidjson::kObjectType);
    period.AddMember("end", mappings::fhir::str(next, a), a);
    restriction.AddMember("period", std::move(period), a);
    proposed.AddMember("restriction", std::move(restriction), a);
  }

  // When the session ran.
  if (moved && (out.to == "in-progress/in-session" || out.to == "in-progress/session-ended" ||
                out.to == "completed/reported")) {
    if (!proposed.HasMember("executionPeriod"))
      proposed.AddMember("executionPeriod", Value(rapidjson::kObjectType), a);
    auto& period = proposed["executionPeriod"];
    if (out.to == "in-progress/in-session")
      setMember(period, "start", mappings::fhir::str(nowText, a), a);
    else if (!period.HasMember("end"))
      period.AddMember("end", mappings::fhir::str(nowText, a), a);
  }
  setMember(proposed, "lastModified", mappings::fhir::str(nowText, a), a);
  if (!current && !proposed.HasMember("authoredOn"))
    proposed.AddMember("authoredOn", mappings::fhir::str(nowText, a), a);
  return out;
}

std::vector<std::pair<std::string, std::string>> ConsultationMachine::flagBreaches(
    rapidjson::Document& task, std::int64_t now) const {
  std::vector<std::pair<std::string, std::string>> out;
  for (Value* d : deadlinesOf(task)) {
    if (!part(*d, "stopped").empty() || !part(*d, "breached").empty() ||
        millisOf(part(*d, "due")) >= now)
      continue;
    std::string rule = part(*d, "rule"), responsible = "owner";
    for (const auto& r : deadlines_.rules())
      if (r.rule == rule) responsible = r.responsible;
    addPart(*d, "breached", "valueDateTime", core::instantOf(now), task.GetAllocator());
    out.emplace_back(rule, responsible);
  }
  if (!out.empty()) addBreachTag(task);
  return out;
}

}  // namespace medbridge::workflow
