#include "mappings/fhir/SearchIndexer.h"

#include <algorithm>
#include <limits>

#include "mappings/fhir/SearchValues.h"

namespace medbridge::mappings::fhir {
namespace {

std::string text(const Value& v) {
  if (auto n = numberText(v)) return std::string(*n);
  if (v.IsString()) return std::string(v.GetString(), v.GetStringLength());
  if (v.IsBool()) return v.GetBool() ? "true" : "false";
  return "";
}

std::string member(const Value& obj, const char* name) {
  if (!obj.IsObject()) return "";
  auto it = obj.FindMember(name);
  return it == obj.MemberEnd() ? "" : text(it->value);
}

// Collects the values at the end of `steps` from `v` (arrays flattened, filters applied).
void collect(const Value& v, const std::vector<PathStep>& steps, std::size_t at,
             std::vector<const Value*>& out) {
  if (v.IsArray()) {
    for (const auto& item : v.GetArray()) collect(item, steps, at, out);
    return;
  }
  if (at == steps.size()) {
    out.push_back(&v);
    return;
  }
  if (!v.IsObject()) return;
  const PathStep& step = steps[at];
  auto it = v.FindMember(step.name.c_str());
  if (it == v.MemberEnd()) return;
  auto visit = [&](const Value& child) {
    if (!step.whereField.empty() && member(child, step.whereField.c_str()) != step.whereValue)
      return;
    collect(child, steps, at + 1, out);
  };
  if (it->value.IsArray())
    for (const auto& item : it->value.GetArray()) visit(item);
  else
    visit(it->value);
}

struct Emitter {
  const SearchParamDef& param;
  std::vector<IndexEntry>& out;

  IndexEntry entry(IndexKind kind) const {
    IndexEntry e;
    e.param = param.code;
    e.kind = kind;
    return e;
  }

  void string(const std::string& s) {
    if (s.empty()) return;
    IndexEntry e = entry(IndexKind::String);
    e.value = searchText(s);
    e.exact = s;
    out.push_back(std::move(e));
  }
  void token(const std::string& system, const std::string& code) {
    if (code.empty()) return;
    IndexEntry e = entry(IndexKind::Token);
    e.value = code;
    e.system = system;
    out.push_back(std::move(e));
  }
  void date(const std::string& s, bool start, bool end) {
    auto r = dateRange(s);
    if (!r) return;
    IndexEntry e = entry(IndexKind::Date);
    e.from = start ? r->from : std::numeric_limits<std::int64_t>::min();
    e.to = end ? r->to : std::numeric_limits<std::int64_t>::max();
    out.push_back(std::move(e));
  }
  void period(const Value& v) {
    std::string start = member(v, "start"), end = member(v, "end");
    auto a = dateRange(start), b = dateRange(end);
    if (!a && !b) return;
    IndexEntry e = entry(IndexKind::Date);
    e.from = a ? a->from : std::numeric_limits<std::int64_t>::min();
    e.to = b ? b->to : std::numeric_limits<std::int64_t>::max();
    out.push_back(std::move(e));
  }
  void number(const std::string& s, const std::string& system) {
    auto r = numberRange(s);
    if (!r) return;
    IndexEntry e = entry(IndexKind::Number);
    e.low = r->low;
    e.high = r->high;
    e.system = system;
    out.push_back(std::move(e));
  }
  void reference(const std::string& ref, const std::string& targetType) {
    if (ref.empty() || ref[0] == '#') return;
    std::string r = ref;
    auto history = r.find("/_history/");
    if (history != std::string::npos) r.resize(history);
    // Keep "Type/id"; an absolute URL stays as written.
    if (r.rfind("http://", 0) != 0 && r.rfind("https://", 0) != 0 && r.rfind("urn:", 0) != 0) {
      auto slash = r.find('/');
      if (slash == std::string::npos) return;
      if (!targetType.empty() && r.substr(0, slash) != targetType) return;
    }
    IndexEntry e = entry(IndexKind::Reference);
    e.value = r;
    out.push_back(std::move(e));
  }
  void uri(const std::string& s) {
    if (s.empty()) return;
    IndexEntry e = entry(IndexKind::Uri);
    e.value = s;
    out.push_back(std::move(e));
  }

  void emit(const Value& v, const SearchPath& path) {
    const std::string& t = path.leafType;
    const std::string& type = param.type;
    if (type == "string") {
      if (t == "HumanName") {
        for (const char* part : {"family", "text"}) string(member(v, part));
        for (const char* part : {"given", "prefix", "suffix"})
          each(v, part, [&](const Value& x) { string(text(x)); });
        // Chinese names are written family name first without a space: 张三 finds 张 + 三.
        std::string whole = member(v, "family");
        each(v, "given", [&](const Value& x) { whole += text(x); });
        if (whole != member(v, "family")) string(whole);
      } else if (t == "Address") {
        for (const char* part : {"text", "city", "district", "state", "postalCode", "country"})
          string(member(v, part));
        each(v, "line", [&](const Value& x) { string(text(x)); });
      } else {
        string(text(v));
      }
    } else if (type == "token") {
      if (t == "Coding") {
        token(member(v, "system"), member(v, "code"));
      } else if (t == "CodeableConcept") {
        each(v, "coding", [&](const Value& c) { token(member(c, "system"), member(c, "code")); });
      } else if (t == "Identifier") {
        token(member(v, "system"), member(v, "value"));
      } else if (t == "ContactPoint") {
        token("", member(v, "value"));
      } else {
        token("", text(v));
      }
    } else if (type == "date") {
      if (t == "Period") {
        period(v);
      } else if (t == "Timing") {
        each(v, "event", [&](const Value& x) { date(text(x), true, true); });
      } else {
        date(text(v), true, true);
      }
    } else if (type == "reference") {
      if (t == "Reference")
        reference(member(v, "reference"), path.targetType);
      else
        uri(text(v));
    } else if (type == "quantity") {
      if (t == "Range") {
        auto lowIt = v.IsObject() ? v.FindMember("low") : v.MemberEnd();
        auto highIt = v.IsObject() ? v.FindMember("high") : v.MemberEnd();
        auto lo =
            lowIt != v.MemberEnd() ? numberRange(member(lowIt->value, "value")) : std::nullopt;
        auto hi =
            highIt != v.MemberEnd() ? numberRange(member(highIt->value, "value")) : std::nullopt;
        if (!lo && !hi) return;
        IndexEntry e = entry(IndexKind::Number);
        e.low = lo ? lo->value : -std::numeric_limits<double>::infinity();
        e.high = hi ? hi->value : std::numeric_limits<double>::infinity();
        const Value& unitFrom = lowIt != v.MemberEnd() ? lowIt->value : highIt->value;
        e.system = member(unitFrom, "system") + "|" + member(unitFrom, "code");
        out.push_back(std::move(e));
      } else {
        number(member(v, "value"), member(v, "system") + "|" + member(v, "code"));
      }
    } else if (type == "number") {
      number(text(v), "");
    } else if (type == "uri") {
      uri(text(v));
    }
  }

  template <typename F>
  static void each(const Value& v, const char* name, F f) {
    if (!v.IsObject()) return;
    auto it = v.FindMember(name);
    if (it == v.MemberEnd()) return;
    if (it->value.IsArray())
      for (const auto& x : it->value.GetArray()) f(x);
    else
      f(it->value);
  }
};

}  // namespace

std::vector<IndexEntry> indexEntries(const Value& resource, const SearchParameters& params) {
  std::vector<IndexEntry> out;
  if (!resource.IsObject() || !resource.HasMember("resourceType")) return out;
  std::string type = resource["resourceType"].GetString();
  for (const SearchParamDef* param : params.forType(type)) {
    Emitter emitter{*param, out};
    for (const auto& path : param->paths) {
      std::vector<const Value*> values;
      collect(resource, path.steps, 0, values);
      for (const Value* v : values) emitter.emit(*v, path);
    }
  }
  std::sort(out.begin(), out.end(), [](const IndexEntry& a, const IndexEntry& b) {
    return std::tie(a.param, a.kind, a.value, a.system, a.exact, a.from, a.to, a.low, a.high) <
           std::tie(b.param, b.kind, b.value, b.system, b.exact, b.from, b.to, b.low, b.high);
  });
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace medbridge::mappings::fhir
