#pragma once

#include <optional>
#include <string>

#include "gateway/auth/TokenVerifier.h"
#include "gateway/http/HttpServer.h"

namespace medbridge::app {

// Scopes of medbridge's own routes (FHIR scopes do not open them).
constexpr const char* kAdminScope = "medbridge/admin";      // /admin/*
constexpr const char* kInboundScope = "medbridge/inbound";  // /regional/inbound (the platform)

// nullopt when the request may go on (no verifier: auth.mode none, loopback listeners only),
// else the 401 / 403 answer as JSON {"error": …}.
std::optional<http::Response> refuseWithoutScope(const http::Request& r,
                                                 const auth::TokenVerifier* verifier,
                                                 const std::string& scope);

}  // namespace medbridge::app
