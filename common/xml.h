// XML text and attribute escaping, shared by the Swift and S3 listings and the
// JUnit report.
#pragma once

#include <string>
#include <string_view>

namespace stalemate {

// Escapes & < > " ' and writes tab, newline and carriage return as character
// references (so they survive in attributes); other control characters, which
// XML 1.0 cannot carry at all, become spaces.
std::string xml_escape(std::string_view text);

// Element text as Python's xml.sax.saxutils.escape writes it: & < > only
// (Swift's bulk and SLO answers; quotes and newlines stand as they are).
std::string xml_text_escape(std::string_view text);

}  // namespace stalemate
