// The little XML S3 needs: escaping for the documents we write, the error
// document, and extraction of elements from the request bodies clients send
// (<Delete>, <CompleteMultipartUpload>), which are flat enough that a tag
// scanner suffices.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/xml.h"

namespace stalemate::sim::s3 {

inline constexpr const char* kS3Namespace = "http://s3.amazonaws.com/doc/2006-03-01/";
inline constexpr const char* kXmlDecl = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";

// Undoes the five named entities and numeric references; nullopt on a bad one.
std::optional<std::string> xml_unescape(std::string_view text);

// "<name>escaped value</name>"
std::string xml_element(std::string_view name, std::string_view value);
// `<?xml…?><name xmlns="…S3…">inner</name>`
std::string xml_document(std::string_view root, std::string_view inner);

// The raw inner text of every <tag>…</tag> (or <tag/>, <tag attr…>) directly
// or indirectly inside `doc`, in document order. nullopt when an opened tag
// is never closed.
std::optional<std::vector<std::string_view>> xml_elements(std::string_view doc, std::string_view tag);

// <Error><Code/><Message/><Resource/><RequestId/></Error>
std::string error_document(std::string_view code, std::string_view message, std::string_view resource,
                           std::string_view request_id);

}  // namespace stalemate::sim::s3
