#pragma once

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "gateway/core/Clock.h"
#include "gateway/core/Config.h"

namespace medbridge::auth {

// Who made a request, as a verified bearer token says.
struct Principal {
  std::string subject;
  std::vector<std::string> scopes;  // "system/*.read", "system/Task.write"
  // Whether the scopes allow reading (or writing) resources of `type`.
  bool permits(const std::string& type, bool write) const;
};

// A token that does not get the caller in: 401 (missing, malformed, bad signature, expired,
// wrong issuer or audience).
struct AuthError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Verifies JWT bearer tokens: RS256 or ES256 signatures by one of the configured public keys
// (no other algorithm is accepted), exp required, nbf, iss and aud checked.
class TokenVerifier {
 public:
  // Throws core::Error (ConfigInvalid) naming auth.jwt.publicKeyFiles when a key cannot be read.
  TokenVerifier(const core::AuthConfig& config, const core::IClock& clock);
  ~TokenVerifier();
  Principal verify(const std::string& token) const;

 private:
  struct Keys;
  const core::AuthConfig& config_;
  const core::IClock& clock_;
  std::unique_ptr<Keys> keys_;
};

}  // namespace medbridge::auth
