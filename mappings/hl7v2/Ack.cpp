#include "mappings/hl7v2/Ack.h"

#include <cstdlib>

namespace medbridge::mappings::hl7v2 {
namespace {

// "PID-7" / "OBX[2]-5" -> segment, sequence, field
struct Location {
  std::string segment;
  std::string sequence = "1";
  std::string field;
};

Location parseLocation(const std::string& loc) {
  Location l;
  if (loc.size() < 3) return l;
  l.segment = loc.substr(0, 3);
  std::size_t i = 3;
  if (i < loc.size() && loc[i] == '[') {
    std::size_t close = loc.find(']', i);
    if (close == std::string::npos) return l;
    l.sequence = loc.substr(i + 1, close - i - 1);
    i = close + 1;
  }
  if (i < loc.size() && loc[i] == '-') {
    std::size_t end = loc.find_first_not_of("0123456789", i + 1);
    l.field = loc.substr(i + 1, end == std::string::npos ? std::string::npos : end - i - 1);
  }
  return l;
}

bool versionAtLeast25(const std::string& v) {
  return v.size() >= 3 && v[0] == '2' && std::atoi(v.c_str() + 2) >= 5;
}

}  // namespace

std::string escapeText(const std::string& text, const Delimiters& d) {
  std::string out;
  for (char c : text) {
    if (c == d.escape)
      out += std::string(1, d.escape) + "E" + d.escape;
    else if (c == d.field)
      out += std::string(1, d.escape) + "F" + d.escape;
    else if (c == d.component)
      out += std::string(1, d.escape) + "S" + d.escape;
    else if (c == d.subcomponent)
      out += std::string(1, d.escape) + "T" + d.escape;
    else if (c == d.repetition)
      out += std::string(1, d.escape) + "R" + d.escape;
    else if (c == '\r' || c == '\n')
      out += std::string(1, d.escape) + ".br" + d.escape;
    else
      out += c;
  }
  return out;
}

AckHeader ackHeaderOf(const Message& msg) {
  AckHeader h;
  h.delims = msg.delimiters();
  const Segment* msh = msg.first("MSH");
  if (!msh) return h;
  h.sendingApp = std::string(msh->field(3));
  h.sendingFacility = std::string(msh->field(4));
  h.receivingApp = std::string(msh->field(5));
  h.receivingFacility = std::string(msh->field(6));
  h.controlId = std::string(msh->field(10));
  h.event = std::string(msg.component(msh->field(9), 2));
  if (!msh->field(11).empty()) h.processingId = std::string(msg.component(msh->field(11), 1));
  std::string version(msg.component(msh->field(12), 1));
  if (!version.empty()) h.version = version;
  h.msh18 = std::string(msh->field(18));
  h.acceptAckType = std::string(msh->field(15));
  h.appAckType = std::string(msh->field(16));
  return h;
}

std::string buildAck(const AckHeader& h, const std::string& code, const AckError& error,
                     const std::string& timestamp, const std::string& ackControlId) {
  const Delimiters& d = h.delims;
  const char f = d.field;
  std::string enc{d.component, d.repetition, d.escape, d.subcomponent};
  std::string ack = "MSH" + std::string(1, f) + enc;
  auto add = [&](const std::string& v) { ack += f + v; };
  add(h.receivingApp);
  add(h.receivingFacility);
  add(h.sendingApp);
  add(h.sendingFacility);
  add(timestamp);
  add("");
  add("ACK" + (h.event.empty() ? "" : d.component + h.event) + d.component + "ACK");
  add(ackControlId);
  add(h.processingId);
  add(h.version);
  if (!h.msh18.empty()) {
    for (int i = 13; i < 18; ++i) add("");
    add(h.msh18);
  }
  bool modern = versionAtLeast25(h.version);
  std::string text = escapeText(error.text, d);
  ack += "\rMSA" + std::string(1, f) + code + f + h.controlId;
  if (!modern && !error.text.empty()) ack += f + text;
  if (error.hl7Code != 0 || !error.text.empty()) {
    Location loc = parseLocation(error.location);
    std::string codeText = error.hl7Code == 0     ? "Message accepted"
                           : error.hl7Code == 100 ? "Segment sequence error"
                           : error.hl7Code == 101 ? "Required field missing"
                           : error.hl7Code == 102 ? "Data type error"
                           : error.hl7Code == 103 ? "Table value not found"
                           : error.hl7Code == 200 ? "Unsupported message type"
                           : error.hl7Code == 201 ? "Unsupported event code"
                           : error.hl7Code == 203 ? "Unsupported version id"
                           : error.hl7Code == 204 ? "Unknown key identifier"
                           : error.hl7Code == 205 ? "Duplicate key identifier"
                                                  : "Application internal error";
    std::string number = std::to_string(error.hl7Code);
    ack += "\rERR";
    if (modern) {
      std::string erl = loc.segment.empty()
                            ? ""
                            : loc.segment + d.component + loc.sequence +
                                  (loc.field.empty() ? "" : d.component + loc.field);
      ack += f + std::string() + f + erl + f + number + d.component + codeText + d.component +
             "HL70357" + f + (code == "AA" || code == "CA" ? "W" : "E") + f + f + f + f + text;
    } else {
      ack += f + loc.segment + d.component + loc.sequence + d.component + loc.field + d.component +
             number + d.subcomponent + codeText + d.subcomponent + "HL70357";
    }
  }
  ack += '\r';
  return ack;
}

}  // namespace medbridge::mappings::hl7v2
