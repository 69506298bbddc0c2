#pragma once

#include <optional>
#include <string>
#include <vector>

namespace medbridge::mappings::identity {

// One row of the identifier-system table.
struct IdentifierSystem {
  std::string authority;  // as senders write it (HL7 CX-4.1, DICOM IssuerOfPatientID)
  std::string system;     // canonical URI
  std::string type;       // national-id, mrn, pacs-id, platform-id, insurance
  std::string hospital;   // owning hospital ("" for national systems)
  bool trusted = false;   // only trusted systems link patients
};

// The table from assigning authorities to canonical identifier systems
// (mappings/tables/identifier-systems.json, or a deployment's own file).
class IdentifierSystems {
 public:
  // Parses the table; throws core::Error(ConfigInvalid) naming the problem.
  static IdentifierSystems fromJson(const std::string& json);
  static const IdentifierSystems& builtIn();

  // By authority name or universal id (HL7 HD parts), or by canonical system URI.
  const IdentifierSystem* find(const std::string& authority,
                               const std::string& universalId = "") const;
  // The system URI for an HD: the table's, else urn:oid:<uid> for ISO ids, the uid for URI ids,
  // else urn:medbridge:aa:<authority> (untrusted: it never links patients).
  std::string systemFor(const std::string& authority, const std::string& universalId,
                        const std::string& universalIdType) const;
  const std::vector<IdentifierSystem>& all() const { return systems_; }
  // Whether an identifier type code (HL7 CX-5, FHIR Identifier.type.coding.code) marks the
  // identifier as a guardian's: such an identifier never links the patient.
  bool isGuardianType(const std::string& code) const;

 private:
  std::vector<IdentifierSystem> systems_;
  std::vector<std::string> guardianTypeCodes_;
};

}  // namespace medbridge::mappings::identity
