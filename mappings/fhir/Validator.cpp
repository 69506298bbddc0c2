#include "mappings/fhir/Validator.h"

#include "mappings/fhir/Primitives.h"

namespace medbridge::mappings::fhir {

// One validation pass; collects issues while descending the resource.
struct Validator::Walk {
  const Definitions& defs;
  std::vector<ValidationIssue> issues;
  int depth = 0;
  static constexpr int kMaxDepth = 64;

  void error(const std::string& code, const std::string& path, const std::string& message) {
    issues.push_back({"error", code, path, message});
  }

  void resource(const Value& v, const std::string& path) {
    if (!v.IsObject()) return error("structure", path, "expected a resource (a JSON object)");
    auto rt = v.FindMember("resourceType");
    if (rt == v.MemberEnd() || !rt->value.IsString())
      return error("structure", path, "missing resourceType");
    std::string type = rt->value.GetString();
    if (!defs.isResourceType(type))
      return error("structure", path, "unknown resource type '" + type + "'");
    std::string here = path.empty() ? type : path;
    object(v, *defs.type(type), "", here, true);
  }

  void object(const Value& v, const TypeDef& type, const std::string& parent,
              const std::string& path, bool resourceRoot) {
    if (++depth > kMaxDepth) {
      --depth;
      return error("structure", path, "nested too deeply");
    }
    if (!v.IsObject()) {
      --depth;
      return error("structure", path, "expected a JSON object");
    }
    if (v.MemberCount() == 0) error("structure", path, "empty object (leave the element out)");
    for (const auto& m : v.GetObject()) {
      std::string name(m.name.GetString(), m.name.GetStringLength());
      if (resourceRoot && name == "resourceType") continue;
      std::string at = path + "." + name;
      if (name.size() > 1 && name[0] == '_') {
        primitiveExtension(m.value, type, parent, name.substr(1), at);
        continue;
      }
      const ResolvedMember* r = defs.member(type, parent, name);
      if (!r) {
        error("structure", at, "unknown element '" + name + "' in " + describe(type, parent));
        continue;
      }
      const ElementDef& e = *r->element;
      if (e.array()) {
        if (!m.value.IsArray()) {
          error("structure", at, "must be a JSON array (cardinality " + cardinality(e) + ")");
          continue;
        }
        if (m.value.Empty()) error("structure", at, "empty array (leave the element out)");
        if (e.max > 0 && static_cast<int>(m.value.Size()) > e.max)
          error("structure", at, "at most " + std::to_string(e.max) + " allowed");
        // A null stands for a primitive that has only an id or extensions, at the same index of
        // the "_name" array.
        auto extensions = v.FindMember(("_" + name).c_str());
        for (rapidjson::SizeType i = 0; i < m.value.Size(); ++i) {
          bool extended = extensions != v.MemberEnd() && extensions->value.IsArray() &&
                          i < extensions->value.Size() && !extensions->value[i].IsNull();
          if (m.value[i].IsNull() && extended) continue;
          value(m.value[i], type, e, r->type, at + "[" + std::to_string(i) + "]");
        }
      } else if (m.value.IsArray()) {
        error("structure", at, "must not be an array (cardinality " + cardinality(e) + ")");
      } else {
        value(m.value, type, e, r->type, at);
      }
    }
    required(v, type, parent, path);
    --depth;
  }

  void value(const Value& v, const TypeDef& owner, const ElementDef& e, const std::string& type,
             const std::string& path) {
    if (v.IsNull())
      return error("structure", path,
                   "null is only allowed in a primitive array, with the matching _ entry");
    if (!e.backbone.empty()) return object(v, owner, e.backbone, path, false);
    const TypeDef* t = defs.type(type);
    if (type == "Resource" || (t && t->kind == TypeDef::Kind::Resource)) {
      auto rt = v.IsObject() ? v.FindMember("resourceType") : v.MemberEnd();
      if (type != "Resource" && rt != v.MemberEnd() && rt->value.IsString() &&
          type != rt->value.GetString())
        return error("structure", path, "must be a " + type + " resource");
      return resource(v, path);
    }
    if (!t) return;
    if (t->kind == TypeDef::Kind::Primitive) {
      std::string why = checkPrimitive(type, v);
      if (!why.empty()) return error("value", path, why);
      if (!e.binding.empty() && type == "code") {
        const auto* codes = defs.valueSet(e.binding);
        std::string_view code(v.GetString(), v.GetStringLength());
        if (codes && !codes->count(code))
          error("code-invalid", path,
                "'" + std::string(code) + "' is not in the required value set " + e.binding);
      }
      return;
    }
    object(v, *t, "", path, false);
  }

  // "_birthDate": the id and extensions of a primitive, an object (or an array of objects and
  // nulls parallel to the values).
  void primitiveExtension(const Value& v, const TypeDef& type, const std::string& parent,
                          const std::string& base, const std::string& path) {
    const ResolvedMember* r = defs.member(type, parent, base);
    const TypeDef* valueType = r ? defs.type(r->type) : nullptr;
    if (!valueType || valueType->kind != TypeDef::Kind::Primitive)
      return error("structure", path, "'_" + base + "' does not extend a primitive element");
    const TypeDef* element = defs.type("Element");
    auto check = [&](const Value& item, const std::string& at) {
      if (!item.IsNull()) object(item, *element, "", at, false);
    };
    if (r->element->array()) {
      if (!v.IsArray()) return error("structure", path, "must be a JSON array");
      for (rapidjson::SizeType i = 0; i < v.Size(); ++i)
        check(v[i], path + "[" + std::to_string(i) + "]");
    } else {
      check(v, path);
    }
  }

  void required(const Value& v, const TypeDef& type, const std::string& parent,
                const std::string& path) {
    auto list = type.children.find(parent);
    if (list == type.children.end()) return;
    for (const auto& e : list->second) {
      if (e.min < 1) continue;
      bool present = false;
      for (const auto& m : v.GetObject()) {
        std::string_view n(m.name.GetString(), m.name.GetStringLength());
        if (!n.empty() && n[0] == '_') n.remove_prefix(1);
        const ResolvedMember* r = defs.member(type, parent, n);
        if (r && r->element == &e) present = true;
      }
      if (!present)
        error("required", path + "." + e.name + (e.choice ? "[x]" : ""),
              "required element missing (minimum cardinality " + std::to_string(e.min) + ")");
    }
  }

  static std::string cardinality(const ElementDef& e) {
    return std::to_string(e.min) + ".." + (e.max < 0 ? "*" : std::to_string(e.max));
  }
  static std::string describe(const TypeDef& type, const std::string& parent) {
    return parent.empty() ? type.name : type.name + "." + parent;
  }
};

std::vector<ValidationIssue> Validator::validate(const Value& resource) const {
  Walk walk{defs_, {}};
  walk.resource(resource, "");
  return std::move(walk.issues);
}

bool hasErrors(const std::vector<ValidationIssue>& issues) {
  for (const auto& i : issues)
    if (i.severity == "error") return true;
  return false;
}

}  // namespace medbridge::mappings::fhir
