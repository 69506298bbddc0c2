#pragma once

#include <string>

#include "mappings/hl7v2/Message.h"

namespace medbridge::mappings::hl7v2 {

// What an acknowledgement answers: the inbound header, kept raw (already escaped).
struct AckHeader {
  Delimiters delims;
  std::string sendingApp, sendingFacility, receivingApp, receivingFacility;  // MSH-3..6
  std::string controlId;                                                     // MSH-10
  std::string event;                                                         // MSH-9.2
  std::string processingId = "P";
  std::string version = "2.5";
  std::string msh18;
  std::string acceptAckType, appAckType;  // MSH-15, MSH-16
};

struct AckError {
  int hl7Code = 0;       // HL7 table 0357
  std::string location;  // "PID-7", "MSH-9", "" (ERL built from it)
  std::string text;      // diagnostic text, e.g. "MB-2101 message does not start with ..."
};

AckHeader ackHeaderOf(const Message& msg);

// An ACK in UTF-8: MSH (sender/receiver swapped, inbound delimiters, version and charset),
// MSA (code, MSH-10) and, when error has a code or a text, an ERR segment in the form of the
// inbound version (ERR-1 before 2.5, ERR-2/3/4/8 from 2.5); severity W on an AA/CA (a warning:
// code 0 "Message accepted" with the text), E otherwise.
std::string buildAck(const AckHeader& header, const std::string& code, const AckError& error,
                     const std::string& timestamp, const std::string& ackControlId);

std::string escapeText(const std::string& text, const Delimiters& d);

}  // namespace medbridge::mappings::hl7v2
