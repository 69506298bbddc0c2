#include "mappings/fhir/XmlFormat.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlsave.h>

#include <cstring>
#include <memory>
#include <stdexcept>

namespace medbridge::mappings::fhir {
namespace {

constexpr const char* kFhirNs = "http://hl7.org/fhir";

std::string upperFirst(std::string s) {
  if (!s.empty() && s[0] >= 'a' && s[0] <= 'z') s[0] = static_cast<char>(s[0] - 'a' + 'A');
  return s;
}

bool isResource(const Definitions& defs, const std::string& type) {
  if (type == "Resource") return true;
  const TypeDef* t = defs.type(type);
  return t && t->kind == TypeDef::Kind::Resource;
}

struct DocFree {
  void operator()(xmlDoc* d) const { xmlFreeDoc(d); }
};
struct CtxtFree {
  void operator()(xmlParserCtxt* c) const { xmlFreeParserCtxt(c); }
};

void initialise() {
  static const bool kInitialised = [] {
    xmlInitParser();
    return true;
  }();
  (void)kInitialised;
}

// A node as XML text (the narrative's <div> with its namespace declaration).
std::string serialise(const xmlNode* n) {
  xmlBufferPtr buf = xmlBufferCreate();
  xmlNodeDump(buf, n->doc, const_cast<xmlNode*>(n), 0, 0);
  std::string text(reinterpret_cast<const char*>(xmlBufferContent(buf)),
                   static_cast<std::size_t>(xmlBufferLength(buf)));
  xmlBufferFree(buf);
  return text;
}

// ---- JSON -> XML --------------------------------------------------------------------------

struct Writer {
  const Definitions& defs;
  std::string out;

  void escape(std::string_view s, bool attribute) {
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
          if (attribute)
            out += "&quot;";
          else
            out += c;
          break;
        case '\n':
          if (attribute)
            out += "&#10;";
          else
            out += c;
          break;
        case '\r':
          out += "&#13;";
          break;
        case '\t':
          if (attribute)
            out += "&#9;";
          else
            out += c;
          break;
        default:
          out += c;
      }
    }
  }

  static std::string text(const Value& v) {
    if (auto n = numberText(v)) return std::string(*n);
    if (v.IsBool()) return v.GetBool() ? "true" : "false";
    if (v.IsString()) return std::string(v.GetString(), v.GetStringLength());
    return "";
  }

  void resource(const Value& r, bool withNamespace) {
    if (!r.IsObject() || !r.HasMember("resourceType") || !r["resourceType"].IsString())
      throw std::invalid_argument("not a FHIR resource: no resourceType");
    std::string type = r["resourceType"].GetString();
    const TypeDef* t = defs.type(type);
    if (!t || t->kind != TypeDef::Kind::Resource)
      throw std::invalid_argument("unknown resource type " + type);
    out += "<" + type;
    if (withNamespace) out += std::string(" xmlns=\"") + kFhirNs + "\"";
    out += ">";
    children(r, *t, "");
    out += "</" + type + ">";
  }

  // Attributes (Element.id, Extension.url) of an object of type/parent.
  void attributes(const Value& v, const TypeDef& type, const std::string& parent) {
    auto list = type.children.find(parent);
    if (list == type.children.end() || !v.IsObject()) return;
    for (const auto& e : list->second) {
      if (!e.xmlAttribute) continue;
      auto it = v.FindMember(e.name.c_str());
      if (it == v.MemberEnd()) continue;
      out += " " + e.name + "=\"";
      escape(text(it->value), true);
      out += "\"";
    }
  }

  void children(const Value& v, const TypeDef& type, const std::string& parent) {
    auto list = type.children.find(parent);
    if (list == type.children.end() || !v.IsObject()) return;
    for (const auto& e : list->second) {
      if (e.xmlAttribute) continue;
      if (e.choice) {
        for (const auto& t : e.types) member(v, type, e, e.name + upperFirst(t), t);
      } else {
        member(v, type, e, e.name, e.types.empty() ? "" : e.types.front());
      }
    }
  }

  void member(const Value& obj, const TypeDef& owner, const ElementDef& e, const std::string& name,
              const std::string& type) {
    auto value = obj.FindMember(name.c_str());
    auto extra = obj.FindMember(("_" + name).c_str());
    const Value* v = value != obj.MemberEnd() ? &value->value : nullptr;
    const Value* x = extra != obj.MemberEnd() ? &extra->value : nullptr;
    if (!v && !x) return;
    if ((v && v->IsArray()) || (x && x->IsArray())) {
      rapidjson::SizeType n =
          std::max(v && v->IsArray() ? v->Size() : 0u, x && x->IsArray() ? x->Size() : 0u);
      for (rapidjson::SizeType i = 0; i < n; ++i) {
        const Value* vi = v && v->IsArray() && i < v->Size() ? &(*v)[i] : nullptr;
        const Value* xi = x && x->IsArray() && i < x->Size() ? &(*x)[i] : nullptr;
        element(owner, e, name, type, vi && !vi->IsNull() ? vi : nullptr,
                xi && !xi->IsNull() ? xi : nullptr);
      }
    } else {
      element(owner, e, name, type, v, x);
    }
  }

  void element(const TypeDef& owner, const ElementDef& e, const std::string& name,
               const std::string& type, const Value* v, const Value* x) {
    if (!e.backbone.empty()) {
      out += "<" + name;
      if (v) attributes(*v, owner, e.backbone);
      out += ">";
      if (v) children(*v, owner, e.backbone);
      out += "</" + name + ">";
      return;
    }
    if (isResource(defs, type)) {
      out += "<" + name + ">";
      if (v) resource(*v, false);
      out += "</" + name + ">";
      return;
    }
    const TypeDef* t = defs.type(type);
    if (type == "xhtml") {
      if (v) out += text(*v);  // the <div> as written
      return;
    }
    if (t && t->kind == TypeDef::Kind::Primitive) {
      out += "<" + name;
      const TypeDef* element = defs.type("Element");
      if (x) attributes(*x, *element, "");
      if (v) {
        out += " value=\"";
        escape(text(*v), true);
        out += "\"";
      }
      bool hasChildren = x && x->IsObject() && x->HasMember("extension");
      if (!hasChildren) {
        out += "/>";
        return;
      }
      out += ">";
      children(*x, *element, "");
      out += "</" + name + ">";
      return;
    }
    if (!t || !v) return;
    out += "<" + name;
    attributes(*v, *t, "");
    out += ">";
    children(*v, *t, "");
    out += "</" + name + ">";
  }
};

// ---- XML -> JSON --------------------------------------------------------------------------

struct Reader {
  const Definitions& defs;
  Allocator& a;
  std::string error;
  int errorLine = 0;

  static std::string name(const xmlNode* n) { return reinterpret_cast<const char*>(n->name); }

  static std::string attribute(const xmlNode* n, const char* attr) {
    xmlChar* v = xmlGetProp(n, reinterpret_cast<const xmlChar*>(attr));
    if (!v) return "";
    std::string s(reinterpret_cast<const char*>(v));
    xmlFree(v);
    return s;
  }
  static bool hasAttribute(const xmlNode* n, const char* attr) {
    return xmlHasProp(n, reinterpret_cast<const xmlChar*>(attr)) != nullptr;
  }

  bool fail(const xmlNode* n, const std::string& message) {
    if (error.empty()) {
      error = message;
      errorLine = n ? static_cast<int>(xmlGetLineNo(n)) : 0;
    }
    return false;
  }

  bool resource(const xmlNode* n, Value& out) {
    if (!n->ns || std::strcmp(reinterpret_cast<const char*>(n->ns->href), kFhirNs) != 0)
      return fail(n, "<" + name(n) + "> is not in the FHIR namespace " + kFhirNs);
    std::string type = name(n);
    const TypeDef* t = defs.type(type);
    if (!t || t->kind != TypeDef::Kind::Resource || t->abstract)
      return fail(n, "unknown resource type <" + type + ">");
    out.SetObject();
    out.AddMember("resourceType", str(type, a), a);
    return children(n, *t, "", out);
  }

  // Attributes and child elements of n into the JSON object out.
  bool children(const xmlNode* n, const TypeDef& type, const std::string& parent, Value& out) {
    for (const xmlAttr* at = n->properties; at; at = at->next) {
      std::string attr = reinterpret_cast<const char*>(at->name);
      const ResolvedMember* r = defs.member(type, parent, attr);
      if (!r || !r->element->xmlAttribute)
        return fail(n, "unexpected attribute " + attr + " on <" + name(n) + ">");
      out.AddMember(str(attr, a), str(attribute(n, attr.c_str()), a), a);
    }
    for (const xmlNode* c = n->children; c; c = c->next) {
      if (c->type == XML_TEXT_NODE) {
        for (const xmlChar* p = c->content; p && *p; ++p)
          if (!std::isspace(*p)) return fail(c, "text outside an element's value attribute");
        continue;
      }
      if (c->type != XML_ELEMENT_NODE) continue;  // comments, processing instructions
      std::string element = name(c);
      const ResolvedMember* r = defs.member(type, parent, element);
      if (!r || r->element->xmlAttribute)
        return fail(c, "unknown element <" + element + "> in " + type.name +
                           (parent.empty() ? "" : "." + parent));
      if (!member(c, type, *r, element, out)) return false;
    }
    return true;
  }

  static Value* find(Value& obj, const std::string& key) {
    auto it = obj.FindMember(key.c_str());
    return it == obj.MemberEnd() ? nullptr : &it->value;
  }

  bool member(const xmlNode* c, const TypeDef& owner, const ResolvedMember& r,
              const std::string& element, Value& out) {
    const ElementDef& e = *r.element;
    Value value, extra;
    bool primitive = false;
    if (!e.backbone.empty()) {
      value.SetObject();
      if (!children(c, owner, e.backbone, value)) return false;
    } else if (isResource(defs, r.type)) {
      const xmlNode* inner = c->children;
      while (inner && inner->type != XML_ELEMENT_NODE) inner = inner->next;
      if (!inner) return fail(c, "<" + element + "> holds no resource");
      if (!resource(inner, value)) return false;
    } else if (r.type == "xhtml") {
      value = str(serialise(c), a);
    } else {
      const TypeDef* t = defs.type(r.type);
      if (!t) return fail(c, "no definition for type " + r.type);
      if (t->kind == TypeDef::Kind::Primitive) {
        primitive = true;
        if (hasAttribute(c, "value")) value = typed(r.type, attribute(c, "value"));
        extra.SetObject();
        const TypeDef* base = defs.type("Element");
        Value attrs(rapidjson::kObjectType);
        for (const xmlAttr* at = c->properties; at; at = at->next) {
          std::string attr = reinterpret_cast<const char*>(at->name);
          if (attr == "value") continue;
          if (attr != "id")
            return fail(c, "unexpected attribute " + attr + " on <" + element + ">");
          extra.AddMember("id", str(attribute(c, "id"), a), a);
        }
        // Child elements of a primitive: its extensions.
        xmlNode copy = *c;
        copy.properties = nullptr;
        if (!children(&copy, *base, "", extra)) return false;
        if (extra.MemberCount() == 0) extra.SetNull();
      } else {
        value.SetObject();
        if (!children(c, *t, "", value)) return false;
      }
    }
    std::string extName = "_" + element;
    if (e.array()) {
      Value* list = find(out, element);
      if (!list) {
        out.AddMember(str(element, a), Value(rapidjson::kArrayType), a);
        list = find(out, element);
      }
      if (primitive) {
        Value* exts = find(out, extName);
        if (!extra.IsNull() && !exts) {
          out.AddMember(str(extName, a), Value(rapidjson::kArrayType), a);
          exts = find(out, extName);
          list = find(out, element);
          for (rapidjson::SizeType i = 0; i < list->Size(); ++i) exts->PushBack(Value(), a);
        }
        if (exts) exts->PushBack(extra, a);
      }
      list->PushBack(value, a);
    } else {
      if (find(out, element) || find(out, extName))
        return fail(c, "<" + element + "> appears more than once");
      if (!value.IsNull() || !primitive) out.AddMember(str(element, a), value, a);
      if (primitive && !extra.IsNull()) out.AddMember(str(extName, a), extra, a);
    }
    return true;
  }

  Value typed(const std::string& type, const std::string& text) {
    if (type == "boolean" && (text == "true" || text == "false")) return Value(text == "true");
    if ((type == "decimal" || type == "integer" || type == "positiveInt" ||
         type == "unsignedInt") &&
        isNumber(text))
      return str(std::string(1, kDecimalMark) + text, a);
    return str(text, a);
  }

  static bool isNumber(const std::string& t) {
    rapidjson::Document d;
    return !t.empty() && !parseJson(t, d) && numberText(d).has_value();
  }
};

// An array holding only nulls carries nothing: drop it (primitive arrays whose items all have
// only extensions, or only values).
void dropNullArrays(Value& v) {
  if (v.IsArray()) {
    for (auto& x : v.GetArray()) dropNullArrays(x);
    return;
  }
  if (!v.IsObject()) return;
  for (auto it = v.MemberBegin(); it != v.MemberEnd();) {
    dropNullArrays(it->value);
    bool allNull = it->value.IsArray() && !it->value.Empty();
    if (allNull)
      for (const auto& x : it->value.GetArray()) allNull = allNull && x.IsNull();
    it = allNull ? v.EraseMember(it) : it + 1;
  }
}

}  // namespace

std::string XmlError::describe() const {
  return "line " + std::to_string(line) + ", column " + std::to_string(column) + ": " + message;
}

std::string toXml(const Value& resource, const Definitions& defs) {
  Writer w{defs, {}};
  w.out.reserve(4096);
  w.resource(resource, true);
  return std::move(w.out);
}

std::optional<XmlError> fromXml(std::string_view xml, rapidjson::Document& out,
                                const Definitions& defs) {
  initialise();
  std::unique_ptr<xmlParserCtxt, CtxtFree> ctxt(xmlNewParserCtxt());
  // No network, no entity substitution (external entities are never loaded).
  std::unique_ptr<xmlDoc, DocFree> doc(
      xmlCtxtReadMemory(ctxt.get(), xml.data(), static_cast<int>(xml.size()), nullptr, "UTF-8",
                        XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING));
  if (!doc) {
    const xmlError* e = xmlCtxtGetLastError(ctxt.get());
    XmlError err;
    if (e) {
      err.line = e->line;
      err.column = e->int2;
      err.message = e->message ? e->message : "malformed XML";
      while (!err.message.empty() && err.message.back() == '\n') err.message.pop_back();
    } else {
      err.message = "malformed XML";
    }
    return err;
  }
  if (doc->intSubset || doc->extSubset) return XmlError{1, 1, "DTDs are not allowed"};
  const xmlNode* root = xmlDocGetRootElement(doc.get());
  if (!root) return XmlError{1, 1, "no root element"};
  out.SetObject();
  Reader reader{defs, out.GetAllocator(), {}, 0};
  Value resource;
  if (!reader.resource(root, resource)) return XmlError{reader.errorLine, 0, reader.error};
  dropNullArrays(resource);
  static_cast<Value&>(out) = std::move(resource);
  return std::nullopt;
}

std::string canonicalXhtml(std::string_view xhtml) {
  initialise();
  std::unique_ptr<xmlDoc, DocFree> doc(
      xmlReadMemory(xhtml.data(), static_cast<int>(xhtml.size()), nullptr, "UTF-8",
                    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING));
  if (!doc || doc->intSubset) return "";
  return serialise(xmlDocGetRootElement(doc.get()));
}

}  // namespace medbridge::mappings::fhir
