#include "mappings/identity/DicomPatientFacts.h"

namespace medbridge::mappings::identity {
namespace {

void addIdentifier(PatientFacts& facts, const std::string& value, const std::string& issuer,
                   const IdentifierSystems& systems) {
  if (value.empty() || issuer.empty()) return;  // an ID without an issuer identifies nobody
  IdentifierFact fact;
  fact.value = value;
  // IssuerOfPatientID is a name ("ZJYY-PACS") or an OID.
  const auto* known = systems.find(issuer);
  if (!known) known = systems.find("", issuer);
  fact.system = known ? known->system : systems.systemFor(issuer, "", "");
  if (known) {
    fact.type = known->type;
    fact.trusted = known->trusted;
  }
  facts.identifiers.push_back(std::move(fact));
}

std::string component(const std::string& group, int n) {
  std::size_t start = 0;
  for (int i = 0; i < n; ++i) {
    start = group.find('^', start);
    if (start == std::string::npos) return "";
    ++start;
  }
  return group.substr(start, group.find('^', start) - start);
}

}  // namespace

PatientFacts patientFactsFromDicom(const dicom::DicomSummary& instance,
                                   const IdentifierSystems& systems) {
  PatientFacts facts;
  addIdentifier(facts, instance.patientId, instance.issuerOfPatientId, systems);
  for (const auto& [value, issuer] : instance.otherPatientIds)
    addIdentifier(facts, value, issuer, systems);
  const std::string& d = instance.birthDate;
  if (d.size() == 8) facts.birthDate = d.substr(0, 4) + "-" + d.substr(4, 2) + "-" + d.substr(6, 2);
  facts.gender = instance.sex == "M"   ? "male"
                 : instance.sex == "F" ? "female"
                 : instance.sex == "O" ? "other"
                                       : "";
  std::size_t start = 0;
  while (start <= instance.patientName.size()) {
    std::size_t end = instance.patientName.find('=', start);
    if (end == std::string::npos) end = instance.patientName.size();
    std::string group = instance.patientName.substr(start, end - start);
    std::string key = nameKey(component(group, 0), component(group, 1));
    if (!key.empty()) facts.nameKeys.push_back(key);
    start = end + 1;
  }
  return facts;
}

}  // namespace medbridge::mappings::identity
