#include "mappings/fhir/PatientKey.h"

namespace medbridge::mappings::fhir {

std::string patientKey(const std::string& type, const std::string& id,
                       const std::vector<IndexEntry>& index) {
  if (type == "Patient") return "Patient/" + id;
  for (const char* param : {"patient", "subject"})
    for (const auto& e : index)
      if (e.param == param && e.kind == IndexKind::Reference && e.value.rfind("Patient/", 0) == 0)
        return e.value;
  return type + "/" + id;
}

}  // namespace medbridge::mappings::fhir
