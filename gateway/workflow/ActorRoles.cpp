#include "gateway/workflow/ActorRoles.h"

namespace medbridge::workflow {

std::set<std::string> actorRoles(const Actor& actor, const std::string& requester,
                                 const std::string& invited, const std::string& owner) {
  std::set<std::string> roles;
  bool organization = actor.reference.rfind("Organization/", 0) == 0;
  if (!actor.organization.empty() && actor.organization == requester) {
    if (organization) {
      roles.insert("inviting-medical-affairs");
    } else {
      if (actor.functions.count("medical-affairs")) roles.insert("inviting-medical-affairs");
      if (actor.functions.count("department-head")) roles.insert("inviting-department-head");
      if (actor.functions.count("physician") || roles.empty()) roles.insert("inviting-physician");
    }
  }
  if (!actor.organization.empty() && actor.organization == invited) {
    roles.insert("invited-department");
    if (!organization && actor.reference == owner) roles.insert("expert");
  }
  return roles;
}

}  // namespace medbridge::workflow
