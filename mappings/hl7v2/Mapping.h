#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "mappings/hl7v2/Message.h"
#include "mappings/identity/IdentifierSystems.h"
#include "mappings/identity/PatientFacts.h"

namespace medbridge::mappings::hl7v2 {

struct Issue {
  enum class Severity { Fatal, Error, Warning };
  Severity severity;
  std::string location;  // HL7 location, e.g. "PID-7"
  std::string fhirPath;  // e.g. "Patient.birthDate"
  std::string text;
};

struct MappingContext {
  std::string contentHash;  // SHA-256 of the message as received (part of the Bundle id)
  std::string receivedAt;   // FHIR instant; Provenance.recorded when MSH-7 is unusable
  std::string defaultOffset = "+08:00";  // for HL7 times written without an offset
  const identity::IdentifierSystems* systems = &identity::IdentifierSystems::builtIn();
};

struct MappingResult {
  std::string trigger;  // "ADT_A01"
  bool mapped = false;  // false: no mapping for this trigger (the message is Unmapped)
  std::string bundleJson;
  std::vector<std::pair<std::string, std::string>> resources;  // ("Type/id", JSON) as stored
  std::string identityInstruction;  // JSON for ADT A40/A47 (for the patient index), else ""
  std::vector<identity::PatientFacts> patients;  // what the message says about its patient(s)
  std::vector<identity::IdentityChange> identityChanges;  // ADT A40 / A47
  std::vector<Issue> issues;
  std::vector<std::string> unmappedSegments;
  bool hasErrors() const;
};

// "ADT_A01" from MSH-9 (message code + trigger event).
std::string triggerKey(const Message& msg);
bool hasMapping(std::string_view trigger);
// Pure: the same message always gives the same Bundle. Never throws for bad content; problems are
// issues (an Error or Fatal issue means the Bundle must not be used).
MappingResult mapMessage(const Message& msg, const MappingContext& ctx);

}  // namespace medbridge::mappings::hl7v2
