// MDM^T02: TXA + OBX -> DocumentReference (v2-to-FHIR IG segment map TXA[DocumentReference]);
// OBX-5 of type ED carries the document, TX/FT/ST lines are joined into a text/plain attachment.
#include "gateway/core/Hash.h"
#include "mappings/hl7v2/MapState.h"

namespace medbridge::mappings::hl7v2 {
namespace {

using fhir::push;
using fhir::setString;
using fhir::setValue;

std::string base64(std::string_view in) {
  static constexpr char kChars[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    unsigned v = (static_cast<unsigned char>(in[i]) << 16) |
                 (static_cast<unsigned char>(in[i + 1]) << 8) |
                 static_cast<unsigned char>(in[i + 2]);
    for (int k = 18; k >= 0; k -= 6) out += kChars[(v >> k) & 63];
  }
  if (i < in.size()) {
    unsigned v = static_cast<unsigned char>(in[i]) << 16;
    if (i + 1 < in.size()) v |= static_cast<unsigned char>(in[i + 1]) << 8;
    out += kChars[(v >> 18) & 63];
    out += kChars[(v >> 12) & 63];
    out += i + 1 < in.size() ? kChars[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

// ED-2 type of data / ED-3 subtype -> MIME type (HL7 tables 0191, 0291).
std::string mimeType(const std::string& type, const std::string& subtype) {
  if (subtype.find('/') != std::string::npos) return subtype;
  if (subtype == "PDF") return "application/pdf";
  if (subtype == "JPEG" || subtype == "JPG") return "image/jpeg";
  if (subtype == "PNG") return "image/png";
  if (subtype == "TIFF") return "image/tiff";
  if (subtype == "RTF") return "application/rtf";
  if (subtype == "HTML") return "text/html";
  if (subtype == "XML") return "application/xml";
  if (type == "TEXT" || type == "TX") return "text/plain";
  return "application/octet-stream";
}

}  // namespace

void mapDocument(MapState& s) {
  auto& a = s.a();
  auto& dt = s.dt;
  if (s.patientRef.empty()) return;
  const Segment* txa = s.msg.first("TXA");
  if (!txa) {
    dt.error("TXA", "DocumentReference", "the message has no TXA segment");
    return;
  }
  std::string unique = dt.u(dt.comp(txa->field(12), 1));
  std::string id = unique.empty() ? s.id("DocumentReference")
                                  : core::nameUuid("DocumentReference|" +
                                                   dt.identifierSystem(dt.comp(txa->field(12), 2)) +
                                                   "|" + unique);
  Value doc = s.bundle.resource("DocumentReference", id);
  if (!unique.empty()) {
    Value mi(rapidjson::kObjectType);
    setString(mi, "system", dt.identifierSystem(dt.comp(txa->field(12), 2)), a);
    setString(mi, "value", unique, a);
    doc.AddMember("masterIdentifier", mi, a);
  }
  std::string availability = s.msg.value(*txa, 19);
  setString(doc, "status", availability == "OB" || availability == "CA" ? "superseded" : "current",
            a);
  std::string completion = s.msg.value(*txa, 17);
  if (completion == "AU" || completion == "LA" || completion == "DO")
    setString(doc, "docStatus", "final", a);
  else if (completion == "IP" || completion == "IN" || completion == "PA" || completion == "DI")
    setString(doc, "docStatus", "preliminary", a);
  std::string typeCode = s.msg.value(*txa, 2, 1);
  if (!typeCode.empty()) {
    Value type(rapidjson::kObjectType);
    push(type, "coding",
         dt.coding(typeCode, s.msg.value(*txa, 2, 2),
                   "http://terminology.hl7.org/CodeSystem/v2-0270"),
         a);
    doc.AddMember("type", type, a);
  }
  doc.AddMember("subject", fhir::reference(s.patientRef, a), a);
  std::string when = dt.instant(dt.comp(txa->field(6), 1), "TXA-6");
  if (when.empty()) when = dt.instant(dt.comp(txa->field(4), 1), "TXA-4");
  setString(doc, "date", when, a);
  for (int field : {9, 5})
    for (auto rep : s.msg.repetitions(txa->field(field)))
      push(doc, "author", dt.practitionerReference(rep), a);

  // The content: ED values are attachments; text values are joined into one text/plain part.
  std::string text;
  int obxIndex = 0;
  for (const Segment* obx : s.msg.all("OBX")) {
    ++obxIndex;
    std::string type = s.msg.value(*obx, 2);
    for (auto rep : s.msg.repetitions(obx->field(5))) {
      if (type == "ED") {
        std::string dataType = dt.u(dt.comp(rep, 2)), subtype = dt.u(dt.comp(rep, 3));
        std::string encoding = dt.u(dt.comp(rep, 4)), data = dt.u(dt.comp(rep, 5));
        std::string payload;
        if (encoding == "Base64") {
          for (char c : data)
            if (c != ' ' && c != '\n' && c != '\r') payload += c;
        } else if (encoding == "A" || encoding.empty()) {
          payload = base64(data);
        } else {
          dt.warn("OBX[" + std::to_string(obxIndex) + "]-5.4",
                  "DocumentReference.content.attachment",
                  "encoding '" + encoding + "' is not supported; the part is left out");
          continue;
        }
        Value content(rapidjson::kObjectType), att(rapidjson::kObjectType);
        setString(att, "contentType", mimeType(dataType, subtype), a);
        setString(att, "data", payload, a);
        content.AddMember("attachment", att, a);
        push(doc, "content", std::move(content), a);
      } else {
        text += (text.empty() ? "" : "\n") + dt.u(rep);
      }
    }
  }
  if (!text.empty() || !doc.HasMember("content")) {
    Value content(rapidjson::kObjectType), att(rapidjson::kObjectType);
    setString(att, "contentType", "text/plain; charset=utf-8", a);
    setString(att, "data", base64(text), a);
    if (text.empty()) {
      dt.warn("OBX", "DocumentReference.content", "the message carries no document content");
      att.RemoveMember("data");
      setString(att, "title", "no content in the source message", a);
    }
    content.AddMember("attachment", att, a);
    push(doc, "content", std::move(content), a);
  }
  if (!s.encounterRef.empty()) {
    Value ctx(rapidjson::kObjectType);
    push(ctx, "encounter", fhir::reference(s.encounterRef, a), a);
    doc.AddMember("context", ctx, a);
  }
  s.bundle.add(std::move(doc));
}

}  // namespace medbridge::mappings::hl7v2
