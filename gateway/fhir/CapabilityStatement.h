#pragma once

#include <string>

namespace medbridge::fhir {

class FhirServer;

// The server's CapabilityStatement (JSON), built from what is actually loaded and registered:
// every R4 resource type with the interactions the server implements, each type's search
// parameters as loaded from the official definitions, and the registered operations.
std::string capabilityStatement(const FhirServer& server, const std::string& base);

}  // namespace medbridge::fhir
