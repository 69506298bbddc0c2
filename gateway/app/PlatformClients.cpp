#include "gateway/app/PlatformClients.h"

#include <memory>

#include "adapters/regional/TokenSource.h"

namespace medbridge::app {

std::vector<adapters::regional::PlatformClient> platformClients(
    const core::RegionalConfig& c, const std::vector<std::string>& urls) {
  namespace regional = adapters::regional;
  regional::TlsSettings tls{c.caFile, c.clientCertFile, c.clientKeyFile};
  std::shared_ptr<regional::TokenSource> tokens;
  if (c.auth.mode == "bearer")
    tokens = std::make_shared<regional::StaticToken>(c.auth.bearerTokenFile);
  if (c.auth.mode == "oauth2")
    tokens = std::make_shared<regional::OAuth2Token>(
        regional::ClientCredentials{
            c.auth.tokenUrl, c.auth.clientId,
            regional::readSecretFile(c.auth.clientSecretFile,
                                     "regional.auth.oauth2.clientSecretFile"),
            c.auth.scope},
        tls, c.timeoutSeconds);
  std::vector<regional::PlatformClient> clients;
  for (const auto& url : urls)
    clients.emplace_back(regional::PlatformEndpoint{url, tls, tokens, c.timeoutSeconds});
  return clients;
}

}  // namespace medbridge::app
