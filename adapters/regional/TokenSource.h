#pragma once

// Bearer tokens for the regional platform: a static one read from a file, or OAuth2 client
// credentials (RFC 6749 §4.4) cached until shortly before they expire.
#include <cstdint>
#include <mutex>
#include <string>

#include "adapters/regional/PlatformClient.h"

namespace medbridge::adapters::regional {

class TokenSource {
 public:
  virtual ~TokenSource() = default;
  // The token to send; "" with `problem` set when none can be had.
  virtual std::string token(std::int64_t nowMs, std::string& problem) = 0;
  // The platform refused the token (401): the next call gets a fresh one. False when that would
  // not change anything (a static token).
  virtual bool renew() = 0;
};

// A token kept in a file (read at start; a deployment rotates it by restarting).
class StaticToken : public TokenSource {
 public:
  // Throws core::Error (ConfigInvalid) naming the key when the file cannot be read or is empty.
  explicit StaticToken(const std::string& file);
  std::string token(std::int64_t, std::string&) override { return token_; }
  bool renew() override { return false; }

 private:
  std::string token_;
};

struct ClientCredentials {
  std::string tokenUrl, clientId, clientSecret, scope;
};

// Fetches tokens from the token endpoint with HTTP Basic client authentication; a token is
// renewed 30 s before it expires (after 90% of a lifetime under five minutes), or after a 401.
class OAuth2Token : public TokenSource {
 public:
  OAuth2Token(ClientCredentials credentials, TlsSettings tls, int timeoutSeconds);
  std::string token(std::int64_t nowMs, std::string& problem) override;
  bool renew() override;
  int fetches() const { return fetches_; }

 private:
  ClientCredentials credentials_;
  TlsSettings tls_;
  int timeoutSeconds_;
  std::mutex mutex_;
  std::string token_;
  std::int64_t renewAt_ = 0;
  int fetches_ = 0;
};

// The client secret from its file; throws core::Error (ConfigInvalid) naming the key.
std::string readSecretFile(const std::string& file, const std::string& key);

}  // namespace medbridge::adapters::regional
