#pragma once

#include <set>
#include <string>

namespace medbridge::workflow {

// The acting party as the platform knows it.
struct Actor {
  std::string reference;  // "PractitionerRole/…" or "Organization/…"
  std::string
      organization;  // "Organization/…": the role's organisation, or the organisation itself
  std::set<std::string>
      functions;  // PractitionerRole.code in urn:medbridge:…:practitioner-function
};

// The roles an actor plays on a consultation: at the requester, inviting-physician (a
// PractitionerRole without another function, or with "physician"), inviting-department-head,
// inviting-medical-affairs (that function, or the Organization itself); at the invited
// organisation, invited-department, and expert when the actor is the Task's owner. Empty when the
// actor belongs to neither side.
std::set<std::string> actorRoles(const Actor& actor, const std::string& requester,
                                 const std::string& invited, const std::string& owner);

}  // namespace medbridge::workflow
