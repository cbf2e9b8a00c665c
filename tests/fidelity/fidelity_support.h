// Shared by the fidelity tests: whether the real Swift can run here (with CI
// set, a missing package is a failure, never a skip), and a tempauth login.
#pragma once

#include <string>
#include <utility>

#include "harness/http_client.h"

namespace stalemate::fidelity {

// "" when the Swift packages are installed. Otherwise: under CI a test
// failure; elsewhere a warning, and the caller returns.
bool real_swift_available();
// The swift CLI (python3-swiftclient) the same way.
bool swift_cli_available();

// GET auth_url with the tempauth user: {storage url, token}; a test failure
// when the login does not answer 200.
std::pair<std::string, std::string> swift_login(const std::string& auth_url, const std::string& user,
                                                const std::string& key);

harness::ClientResponse http(const std::string& method, const std::string& url, const std::string& token,
                             const Headers& headers = {}, const std::string& body = {});

}  // namespace stalemate::fidelity
