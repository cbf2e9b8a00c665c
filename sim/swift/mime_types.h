// The Content-Type Swift's proxy gives an object PUT without one: Python's
// mimetypes.guess_type on the name (with Debian's /etc/mime.types loaded, as
// the real Swift 2.30 on Debian 12 answers), application/octet-stream when
// the extension is unknown. A table of the common extensions, not all of them.
#pragma once

#include <string>

namespace stalemate::sim::swift {

std::string guess_content_type(const std::string& object_name);

}  // namespace stalemate::sim::swift
