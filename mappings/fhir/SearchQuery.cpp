#include "mappings/fhir/SearchQuery.h"

#include <cstdlib>
#include <set>

#include "mappings/fhir/Definitions.h"
#include "mappings/fhir/SearchValues.h"

namespace medbridge::mappings::fhir {
namespace {

const std::set<std::string, std::less<>> kResultParameters = {
    "_count", "_sort",     "_include", "_revinclude", "_summary",      "_format",
    "_total", "_elements", "_pretty",  "_contained",  "_containedType"};

// Query parameters that control results rather than select them (_count, _sort, ...).
bool isResultParameter(const std::string& name) {
  return kResultParameters.count(name) > 0;
}

IndexKind kindOf(const std::string& type) {
  if (type == "string") return IndexKind::String;
  if (type == "token") return IndexKind::Token;
  if (type == "date") return IndexKind::Date;
  if (type == "reference") return IndexKind::Reference;
  if (type == "uri") return IndexKind::Uri;
  return IndexKind::Number;  // number, quantity
}

// Splits on unescaped commas; "\," is a literal comma.
std::vector<std::string> alternatives(const std::string& v) {
  std::vector<std::string> out(1);
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (v[i] == '\\' && i + 1 < v.size()) {
      out.back() += v[++i];
    } else if (v[i] == ',') {
      out.emplace_back();
    } else {
      out.back() += v[i];
    }
  }
  return out;
}

std::string prefixOf(std::string& v) {
  static const std::set<std::string, std::less<>> kPrefixes = {"eq", "ne", "gt", "lt", "ge",
                                                               "le", "sa", "eb", "ap"};
  if (v.size() > 2 && kPrefixes.count(v.substr(0, 2))) {
    std::string p = v.substr(0, 2);
    v.erase(0, 2);
    return p;
  }
  return "eq";
}

// Splits "a|b|c" on unescaped bars.
std::vector<std::string> bars(const std::string& v) {
  std::vector<std::string> out(1);
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (v[i] == '\\' && i + 1 < v.size())
      out.back() += v[++i];
    else if (v[i] == '|')
      out.emplace_back();
    else
      out.back() += v[i];
  }
  return out;
}

struct Parser {
  const SearchParameters& defs;
  std::string base;

  SearchValue value(const SearchParamDef& def, const std::string& modifier, std::string raw,
                    const std::string& typeModifier) {
    SearchValue v;
    const std::string& type = def.type;
    if (type == "string") {
      v.value = modifier == "exact" ? raw : searchText(raw);
    } else if (type == "token") {
      auto parts = bars(raw);
      if (parts.size() == 1) {
        v.value = parts[0];
      } else {
        v.hasSystem = true;
        v.system = parts[0];
        v.value = parts[1];
      }
    } else if (type == "date") {
      v.prefix = prefixOf(raw);
      auto r = dateRange(raw);
      if (!r) throw SearchError("'" + raw + "' is not a valid date for " + def.code);
      v.from = r->from;
      v.to = r->to;
    } else if (type == "number" || type == "quantity") {
      v.prefix = prefixOf(raw);
      auto parts = bars(raw);
      auto r = numberRange(parts[0]);
      if (!r) throw SearchError("'" + parts[0] + "' is not a valid number for " + def.code);
      v.low = r->low;
      v.high = r->high;
      if (parts.size() >= 3) {
        v.hasSystem = true;
        v.system = parts[1];
        v.value = parts[2];
      }
    } else if (type == "reference") {
      if (!base.empty() && raw.rfind(base + "/", 0) == 0) raw.erase(0, base.size() + 1);
      auto history = raw.find("/_history/");
      if (history != std::string::npos) raw.resize(history);
      bool absolute = raw.find("://") != std::string::npos || raw.rfind("urn:", 0) == 0;
      if (absolute || raw.find('/') != std::string::npos) {
        v.references.push_back(raw);
      } else if (!typeModifier.empty()) {
        v.references.push_back(typeModifier + "/" + raw);
      } else {
        for (const auto& t : def.targets) v.references.push_back(t + "/" + raw);
      }
    } else {
      v.value = raw;
    }
    return v;
  }

  SearchClause clause(const std::string& type, const std::string& name, const std::string& raw,
                      bool strict, std::vector<std::string>& ignored) {
    std::string code = name, modifier, chain;
    auto dot = code.find('.');
    if (dot != std::string::npos) {
      chain = code.substr(dot + 1);
      code.resize(dot);
    }
    auto colon = code.find(':');
    if (colon != std::string::npos) {
      modifier = code.substr(colon + 1);
      code.resize(colon);
    }
    const SearchParamDef* def = defs.find(type, code);
    if (!def) throw SearchError("unknown search parameter '" + code + "' for " + type);
    SearchClause c;
    c.param = code;
    c.kind = kindOf(def->type);
    std::string typeModifier;
    if (def->type == "reference" && !modifier.empty() &&
        Definitions::r4().isResourceType(modifier)) {
      typeModifier = modifier;
      modifier.clear();
    }
    static const std::set<std::string, std::less<>> kModifiers = {"",    "exact",   "contains",
                                                                  "not", "missing", "below"};
    if (!kModifiers.count(modifier)) {
      std::string why = "modifier ':" + modifier + "' is not supported on " + code;
      if (strict) throw SearchError(why);
      ignored.push_back(why);
      modifier.clear();
    }
    c.modifier = modifier;
    if (modifier == "missing") {
      if (raw != "true" && raw != "false") throw SearchError(":missing takes true or false");
      c.missing = raw == "true";
      return c;
    }
    if (!chain.empty()) {
      if (def->type != "reference")
        throw SearchError("'" + code + "' is not a reference: no chain");
      std::string target = typeModifier;
      if (target.empty() && def->targets.size() == 1) target = def->targets.front();
      if (target.empty())
        throw SearchError("chain on '" + code + "' needs a target type (" + code + ":Patient." +
                          chain + ")");
      if (chain.find('.') != std::string::npos)
        throw SearchError("only one level of chaining is supported");
      c.chainType = target;
      c.chained = std::make_shared<SearchClause>(clause(target, chain, raw, strict, ignored));
      return c;
    }
    for (auto& alt : alternatives(raw)) {
      if (alt.empty()) continue;
      c.anyOf.push_back(value(*def, modifier, alt, typeModifier));
    }
    if (c.anyOf.empty()) throw SearchError("search parameter '" + name + "' has no value");
    return c;
  }
};

}  // namespace

SearchQuery parseSearch(const std::string& type,
                        const std::vector<std::pair<std::string, std::string>>& params, bool strict,
                        const std::string& base, const SearchParameters& defs) {
  SearchQuery q;
  q.type = type;
  Parser parser{defs, base};
  for (const auto& [name, raw] : params) {
    if (name == "_count") {
      char* end = nullptr;
      long n = std::strtol(raw.c_str(), &end, 10);
      if (raw.empty() || *end != '\0' || n < 0) throw SearchError("_count must be a number >= 0");
      q.count = static_cast<int>(std::min<long>(n, 1000));
    } else if (name == "_summary") {
      if (raw == "count")
        q.summaryCount = true;
      else
        q.ignored.push_back("_summary=" + raw + " is not supported (full resources returned)");
    } else if (name == "_sort") {
      for (auto key : alternatives(raw)) {
        SortKey k;
        if (!key.empty() && key[0] == '-') {
          k.descending = true;
          key.erase(0, 1);
        }
        const SearchParamDef* def = defs.find(type, key);
        if (!def) throw SearchError("cannot sort by unknown parameter '" + key + "'");
        k.param = key;
        k.kind = kindOf(def->type);
        q.sort.push_back(k);
      }
    } else if (name == "_include" || name == "_revinclude") {
      std::vector<std::string> p(1);
      for (char ch : raw) {
        if (ch == ':')
          p.emplace_back();
        else
          p.back() += ch;
      }
      if (p.size() < 2 || p.size() > 3) throw SearchError(name + " must be Type:param[:Target]");
      const SearchParamDef* def = defs.find(p[0], p[1]);
      if (!def || def->type != "reference")
        throw SearchError(name + ": '" + p[1] + "' is not a reference parameter of " + p[0]);
      IncludeSpec spec{p[0], p[1], p.size() == 3 ? p[2] : ""};
      if (name == "_include" && p[0] != type)
        throw SearchError("_include=" + raw + " does not start from " + type);
      (name == "_include" ? q.includes : q.revIncludes).push_back(spec);
    } else if (isResultParameter(name)) {
      if (name != "_format" && name != "_pretty")
        q.ignored.push_back(name + " is not supported (ignored)");
    } else {
      try {
        q.clauses.push_back(parser.clause(type, name, raw, strict, q.ignored));
      } catch (const SearchError& e) {
        bool unknown = std::string(e.what()).rfind("unknown search parameter", 0) == 0;
        if (strict || !unknown) throw;
        q.ignored.push_back(e.what());
      }
    }
  }
  return q;
}

}  // namespace medbridge::mappings::fhir
