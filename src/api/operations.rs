//! The operations table: every `atlas api programmaticApiKeys` operation as one row of data.
//!
//! Everything the engine needs to know about an operation lives here — its command name and
//! aliases, its method and URL template, its URL and query parameters, its API versions and
//! content types, and its help text. Adding an operation is adding a row; no other file names
//! an operation.

/// The tag all operations belong to (the `atlas api <tag>` level).
pub struct Tag {
    pub command_name: &'static str,
    pub short: &'static str,
    pub long: &'static str,
}

pub const TAG: Tag = Tag {
    command_name: "programmaticApiKeys",
    short: "Returns, adds, edits, and removes access tokens to use the MongoDB Cloud API.",
    long: "MongoDB Cloud applies these keys to organizations. These resources can return, assign, or revoke use of these keys within a specified project.",
};

/// HTTP methods the API uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Patch,
    Delete,
}

/// The type of a parameter, which is also the type of its flag.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParamType {
    String,
    Int,
    Bool,
}

/// A URL-path or query parameter, exposed as a flag of the same name.
#[derive(Debug)]
pub struct Parameter {
    pub name: &'static str,
    /// Other flag names accepted for this parameter (not shown in help).
    pub aliases: &'static [&'static str],
    pub kind: ParamType,
    pub required: bool,
    /// The flag's one-line usage, as the reference prints it.
    pub usage: &'static str,
}

/// One API version of an operation and the content types it speaks.
#[derive(Debug)]
pub struct Version {
    pub version: &'static str,
    /// `Some("json")` when the operation takes a request body in this version.
    pub request_content_type: Option<&'static str>,
    pub response_content_types: &'static [&'static str],
}

/// One operation of the tag.
#[derive(Debug)]
pub struct Operation {
    pub operation_id: &'static str,
    /// The command name; differs from the operationId for the five operations with a short name.
    pub command_name: &'static str,
    /// Other accepted command names (the full operationId for short-named operations).
    pub aliases: &'static [&'static str],
    /// The one-sentence summary (tag help, first sentence of the operation help).
    pub short: &'static str,
    /// The rest of the description paragraph of the operation help.
    pub long: &'static str,
    pub method: Method,
    pub url_template: &'static str,
    pub url_parameters: &'static [Parameter],
    pub query_parameters: &'static [Parameter],
    /// Oldest first; the last one is the default.
    pub versions: &'static [Version],
}

/// Operations are identified by their operationId.
impl PartialEq for Operation {
    fn eq(&self, other: &Operation) -> bool {
        self.operation_id == other.operation_id
    }
}

impl Eq for Operation {}

impl Operation {
    /// The version used when none (or an unsupported one) is asked for: the latest.
    pub fn default_version(&self) -> &'static Version {
        self.versions.last().expect("every operation has a version")
    }

    /// Finds the version with this exact name.
    pub fn version(&self, name: &str) -> Option<&'static Version> {
        self.versions.iter().find(|v| v.version == name)
    }

    /// True when some version of the operation takes a request body (and so has `--file`).
    pub fn has_body(&self) -> bool {
        self.versions
            .iter()
            .any(|v| v.request_content_type.is_some())
    }

    /// URL parameters then query parameters.
    pub fn parameters(&self) -> impl Iterator<Item = &'static Parameter> {
        self.url_parameters.iter().chain(self.query_parameters)
    }
}

/// Finds an operation by command name or alias (exact, case-sensitive, as cobra matches).
#[cfg(test)]
pub fn find(name: &str) -> Option<&'static Operation> {
    OPERATIONS
        .iter()
        .find(|op| op.command_name == name || op.aliases.contains(&name))
}

// Parameters shared by several operations, word for word the same in each.

const GROUP_ID: Parameter = Parameter {
    name: "groupId",
    aliases: &["projectId"],
    kind: ParamType::String,
    required: true,
    usage: "unique 24-hexadecimal digit string that identifies your project",
};

const ENVELOPE: Parameter = Parameter {
    name: "envelope",
    aliases: &[],
    kind: ParamType::Bool,
    required: false,
    usage: "flag that indicates whether Application wraps the response in an envelope JSON object",
};

const PRETTY: Parameter = Parameter {
    name: "pretty",
    aliases: &[],
    kind: ParamType::Bool,
    required: false,
    usage: "flag that indicates whether the response body should be in the prettyprint format",
};

const ORG_ID: Parameter = Parameter {
    name: "orgId",
    aliases: &[],
    kind: ParamType::String,
    required: true,
    usage: "unique 24-hexadecimal digit string that identifies the organization that contains your projects",
};

const INCLUDE_COUNT: Parameter = Parameter {
    name: "includeCount",
    aliases: &[],
    kind: ParamType::Bool,
    required: false,
    usage: "flag that indicates whether the response returns the total number of items (totalCount) in the response",
};

const ITEMS_PER_PAGE: Parameter = Parameter {
    name: "itemsPerPage",
    aliases: &[],
    kind: ParamType::Int,
    required: false,
    usage: "number of items that the response returns per page",
};

const PAGE_NUM: Parameter = Parameter {
    name: "pageNum",
    aliases: &[],
    kind: ParamType::Int,
    required: false,
    usage: "number of the page that displays the current set of the total objects that the response returns",
};

/// `apiUserId`, whose usage text differs from operation to operation.
const fn api_user_id(usage: &'static str) -> Parameter {
    required_string("apiUserId", usage)
}

/// `ipAddress`, whose usage text differs from operation to operation.
const fn ip_address(usage: &'static str) -> Parameter {
    required_string("ipAddress", usage)
}

const fn required_string(name: &'static str, usage: &'static str) -> Parameter {
    Parameter {
        name,
        aliases: &[],
        kind: ParamType::String,
        required: true,
        usage,
    }
}

/// Version 2023-01-01, JSON in and out.
const JSON_BODY_2023_01_01: &[Version] = &[Version {
    version: "2023-01-01",
    request_content_type: Some("json"),
    response_content_types: &["json"],
}];

/// Version 2023-01-01, no request body, JSON out.
const NO_BODY_2023_01_01: &[Version] = &[Version {
    version: "2023-01-01",
    request_content_type: None,
    response_content_types: &["json"],
}];

/// All operations, in the order the reference lists them.
pub static OPERATIONS: &[Operation] = &[
    Operation {
        operation_id: "addGroupApiKey",
        command_name: "addGroupApiKey",
        aliases: &[],
        short: "Assigns the specified organization API key to the specified project.",
        long: "The key keeps its organization roles and gains the project roles given in the request body. To use this resource, the requesting Service Account or API Key must have the Project Owner role.",
        method: Method::Post,
        url_template: "/api/atlas/v2/groups/{groupId}/apiKeys/{apiUserId}",
        url_parameters: &[
            GROUP_ID,
            api_user_id(
                "unique 24-hexadecimal digit string that identifies this organization API key that you want to assign to one project",
            ),
        ],
        query_parameters: &[ENVELOPE, PRETTY],
        versions: JSON_BODY_2023_01_01,
    },
    Operation {
        operation_id: "createGroupApiKey",
        command_name: "createGroupApiKey",
        aliases: &[],
        short: "Creates and assigns the specified organization API key to the specified project.",
        long: "The new key belongs to the organization that owns the project and receives the project roles given in the request body; its private key is returned only in this response. To use this resource, the requesting Service Account or API Key must have the Project Owner role.",
        method: Method::Post,
        url_template: "/api/atlas/v2/groups/{groupId}/apiKeys",
        url_parameters: &[Parameter {
            name: "groupId",
            aliases: &["projectId"],
            kind: ParamType::String,
            required: true,
            usage: "unique 24-hexadecimal digit string that identifies your project",
        }],
        query_parameters: &[ENVELOPE, PRETTY],
        versions: JSON_BODY_2023_01_01,
    },
    Operation {
        operation_id: "createOrgApiKey",
        command_name: "createOrgApiKey",
        aliases: &[],
        short: "Creates one API key for the specified organization.",
        long: "An organization API key grants programmatic access to an organization. You can't use the API key to log into the console. To use this resource, the requesting Service Account or API Key must have the Organization Owner role.",
        method: Method::Post,
        url_template: "/api/atlas/v2/orgs/{orgId}/apiKeys",
        url_parameters: &[Parameter {
            name: "orgId",
            aliases: &[],
            kind: ParamType::String,
            required: true,
            usage: "unique 24-hexadecimal digit string that identifies the organization that contains your projects",
        }],
        query_parameters: &[ENVELOPE, PRETTY],
        versions: JSON_BODY_2023_01_01,
    },
    Operation {
        operation_id: "createOrgApiKeyAccessListEntry",
        command_name: "createOrgAccessEntry",
        aliases: &["createOrgApiKeyAccessListEntry"],
        short: "Creates the access list entries for the specified organization API key.",
        long: "Each entry is one IP address or one CIDR block; requests signed with the key are accepted only from the listed addresses. To use this resource, the requesting Service Account or API Key must have the Organization Owner or Organization Member role.",
        method: Method::Post,
        url_template: "/api/atlas/v2/orgs/{orgId}/apiKeys/{apiUserId}/accessList",
        url_parameters: &[
            ORG_ID,
            api_user_id(
                "unique 24-hexadecimal digit string that identifies this organization API key for which you want to create a new access list entry",
            ),
        ],
        query_parameters: &[ENVELOPE, INCLUDE_COUNT, ITEMS_PER_PAGE, PAGE_NUM, PRETTY],
        versions: JSON_BODY_2023_01_01,
    },
    Operation {
        operation_id: "deleteOrgApiKey",
        command_name: "deleteOrgApiKey",
        aliases: &[],
        short: "Removes one organization API key from the specified organization.",
        long: "Deleting the key also removes it from every project it was assigned to, and requests signed with it stop working at once. To use this resource, the requesting Service Account or API Key must have the Organization Owner role.",
        method: Method::Delete,
        url_template: "/api/atlas/v2/orgs/{orgId}/apiKeys/{apiUserId}",
        url_parameters: &[
            ORG_ID,
            api_user_id(
                "unique 24-hexadecimal digit string that identifies this organization API key",
            ),
        ],
        query_parameters: &[ENVELOPE, PRETTY],
        versions: NO_BODY_2023_01_01,
    },
    Operation {
        operation_id: "deleteOrgApiKeyAccessListEntry",
        command_name: "deleteAccessEntry",
        aliases: &["deleteOrgApiKeyAccessListEntry"],
        short: "Removes the specified access list entry from the specified organization API key.",
        long: "Give the IP address or CIDR block as it appears in the entry, for example 192.0.2.0/24; the command escapes it for the URL. To use this resource, the requesting Service Account or API Key must have the Organization Owner role.",
        method: Method::Delete,
        url_template: "/api/atlas/v2/orgs/{orgId}/apiKeys/{apiUserId}/accessList/{ipAddress}",
        url_parameters: &[
            ORG_ID,
            api_user_id(
                "unique 24-hexadecimal digit string that identifies this organization API key for which you want to remove access list entries",
            ),
            ip_address(
                "one IP address or multiple IP addresses represented as one CIDR block to limit requests to API resources in the specified organization",
            ),
        ],
        query_parameters: &[ENVELOPE, PRETTY],
        versions: NO_BODY_2023_01_01,
    },
    Operation {
        operation_id: "getOrgApiKey",
        command_name: "getOrgApiKey",
        aliases: &[],
        short: "Returns one organization API key.",
        long: "The response shows the key's description, roles and public key; the private key is masked. To use this resource, the requesting Service Account or API Key must have the Organization Member role.",
        method: Method::Get,
        url_template: "/api/atlas/v2/orgs/{orgId}/apiKeys/{apiUserId}",
        url_parameters: &[
            ORG_ID,
            api_user_id(
                "unique 24-hexadecimal digit string that identifies this organization API key that  you want to update",
            ),
        ],
        query_parameters: &[ENVELOPE, PRETTY],
        versions: NO_BODY_2023_01_01,
    },
    Operation {
        operation_id: "getOrgApiKeyAccessListEntry",
        command_name: "getOrgAccessEntry",
        aliases: &["getOrgApiKeyAccessListEntry"],
        short: "Returns one access list entry for the specified organization API key.",
        long: "Name the entry by its IP address or CIDR block, for example 192.0.2.0/24. To use this resource, the requesting Service Account or API Key must have the Organization Owner role.",
        method: Method::Get,
        url_template: "/api/atlas/v2/orgs/{orgId}/apiKeys/{apiUserId}/accessList/{ipAddress}",
        url_parameters: &[
            ORG_ID,
            ip_address(
                "one IP address or multiple IP addresses represented as one CIDR block to limit  requests to API resources in the specified organization",
            ),
            api_user_id(
                "unique 24-hexadecimal digit string that identifies this organization API key for  which you want to return access list entries",
            ),
        ],
        query_parameters: &[ENVELOPE, PRETTY],
        versions: NO_BODY_2023_01_01,
    },
    Operation {
        operation_id: "listGroupApiKeys",
        command_name: "listGroupApiKeys",
        aliases: &[],
        short: "Returns all organization API keys that you assigned to the specified project.",
        long: "The response is paginated: use the itemsPerPage and pageNum flags to walk through it. To use this resource, the requesting Service Account or API Key must have the Project Read Only role.",
        method: Method::Get,
        url_template: "/api/atlas/v2/groups/{groupId}/apiKeys",
        url_parameters: &[Parameter {
            name: "groupId",
            aliases: &["projectId"],
            kind: ParamType::String,
            required: true,
            usage: "unique 24-hexadecimal digit string that identifies your project",
        }],
        query_parameters: &[ENVELOPE, INCLUDE_COUNT, ITEMS_PER_PAGE, PAGE_NUM, PRETTY],
        versions: NO_BODY_2023_01_01,
    },
    Operation {
        operation_id: "listOrgApiKeyAccessListEntries",
        command_name: "listOrgAccessEntries",
        aliases: &["listOrgApiKeyAccessListEntries"],
        short: "Returns all access list entries that you configured for the specified organization API key.",
        long: "The response is paginated: use the itemsPerPage and pageNum flags to walk through it. To use this resource, the requesting Service Account or API Key must have the Organization Owner or Organization Member role.",
        method: Method::Get,
        url_template: "/api/atlas/v2/orgs/{orgId}/apiKeys/{apiUserId}/accessList",
        url_parameters: &[
            ORG_ID,
            api_user_id(
                "unique 24-hexadecimal digit string that identifies this organization API key for which you want to return access list entries",
            ),
        ],
        query_parameters: &[ENVELOPE, INCLUDE_COUNT, ITEMS_PER_PAGE, PAGE_NUM, PRETTY],
        versions: NO_BODY_2023_01_01,
    },
    Operation {
        operation_id: "listOrgApiKeys",
        command_name: "listOrgApiKeys",
        aliases: &[],
        short: "Returns all organization API keys for the specified organization.",
        long: "Private keys are masked in the response. The response is paginated: use the itemsPerPage and pageNum flags to walk through it. To use this resource, the requesting Service Account or API Key must have the Organization Member role.",
        method: Method::Get,
        url_template: "/api/atlas/v2/orgs/{orgId}/apiKeys",
        url_parameters: &[Parameter {
            name: "orgId",
            aliases: &[],
            kind: ParamType::String,
            required: true,
            usage: "unique 24-hexadecimal digit string that identifies the organization that contains your projects",
        }],
        query_parameters: &[ENVELOPE, INCLUDE_COUNT, ITEMS_PER_PAGE, PAGE_NUM, PRETTY],
        versions: NO_BODY_2023_01_01,
    },
    Operation {
        operation_id: "removeGroupApiKey",
        command_name: "removeGroupApiKey",
        aliases: &[],
        short: "Removes one organization API key from the specified project.",
        long: "The key stays in the organization with its organization roles; only its access to this project ends. To use this resource, the requesting Service Account or API Key must have the Project User Admin role.",
        method: Method::Delete,
        url_template: "/api/atlas/v2/groups/{groupId}/apiKeys/{apiUserId}",
        url_parameters: &[
            GROUP_ID,
            api_user_id(
                "unique 24-hexadecimal digit string that identifies this organization API key that you want to unassign from one project",
            ),
        ],
        query_parameters: &[ENVELOPE, PRETTY],
        versions: NO_BODY_2023_01_01,
    },
    Operation {
        operation_id: "updateGroupApiKeyRoles",
        command_name: "updateApiKeyRoles",
        aliases: &["updateGroupApiKeyRoles"],
        short: "Updates the roles of the organization API key that you specify for the project that you specify.",
        long: "The roles in the request body replace the key's current roles in this project. To use this resource, the requesting Service Account or API Key must have the Project Owner role.",
        method: Method::Patch,
        url_template: "/api/atlas/v2/groups/{groupId}/apiKeys/{apiUserId}",
        url_parameters: &[
            GROUP_ID,
            api_user_id(
                "unique 24-hexadecimal digit string that identifies this organization API key that you want to unassign from one project",
            ),
        ],
        query_parameters: &[PAGE_NUM, ITEMS_PER_PAGE, INCLUDE_COUNT, PRETTY, ENVELOPE],
        versions: JSON_BODY_2023_01_01,
    },
    Operation {
        operation_id: "updateOrgApiKey",
        command_name: "updateOrgApiKey",
        aliases: &[],
        short: "Updates one organization API key in the specified organization.",
        long: "Only the fields present in the request body change: the description, the organization roles, or both. To use this resource, the requesting Service Account or API Key must have the Organization Owner role.",
        method: Method::Patch,
        url_template: "/api/atlas/v2/orgs/{orgId}/apiKeys/{apiUserId}",
        url_parameters: &[
            ORG_ID,
            api_user_id(
                "unique 24-hexadecimal digit string that identifies this organization API key you  want to update",
            ),
        ],
        query_parameters: &[ENVELOPE, PRETTY],
        versions: JSON_BODY_2023_01_01,
    },
];

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn placeholders(template: &str) -> Vec<&str> {
        template
            .split('{')
            .skip(1)
            .filter_map(|rest| rest.split_once('}').map(|(name, _)| name))
            .collect()
    }

    #[test]
    fn every_placeholder_has_a_url_parameter_and_back() {
        for op in OPERATIONS {
            let holes: HashSet<&str> = placeholders(op.url_template).into_iter().collect();
            let params: HashSet<&str> = op.url_parameters.iter().map(|p| p.name).collect();
            assert_eq!(holes, params, "{}", op.operation_id);
            assert!(
                op.url_parameters.iter().all(|p| p.required),
                "{}",
                op.operation_id
            );
        }
    }

    #[test]
    fn every_operation_has_a_version_with_json_responses() {
        for op in OPERATIONS {
            assert!(!op.versions.is_empty(), "{}", op.operation_id);
            for v in op.versions {
                assert!(!v.response_content_types.is_empty(), "{}", op.operation_id);
                assert!(
                    v.response_content_types.contains(&"json"),
                    "{}",
                    op.operation_id
                );
            }
        }
    }

    #[test]
    fn command_names_and_aliases_are_unique() {
        let mut seen = HashSet::new();
        for op in OPERATIONS {
            for name in std::iter::once(&op.command_name).chain(op.aliases) {
                assert!(seen.insert(*name), "duplicate command name {name}");
            }
        }
        assert_eq!(OPERATIONS.len(), 14);
    }

    #[test]
    fn flag_names_do_not_collide_within_an_operation() {
        let fixed = [
            "file",
            "output",
            "outputFile",
            "version",
            "help",
            "profile",
            "debug",
        ];
        for op in OPERATIONS {
            let mut seen: HashSet<&str> = fixed.into_iter().collect();
            for p in op.parameters() {
                for name in std::iter::once(&p.name).chain(p.aliases) {
                    assert!(seen.insert(name), "{}: flag {name}", op.operation_id);
                }
            }
        }
    }

    #[test]
    fn every_operation_with_a_body_has_a_body_schema() {
        for op in OPERATIONS {
            let schema = crate::api::validate::body_schema(op.operation_id);
            assert_eq!(op.has_body(), schema.is_some(), "{}", op.operation_id);
        }
    }

    #[test]
    fn short_names_keep_the_operation_id_as_alias() {
        for op in OPERATIONS {
            if op.command_name != op.operation_id {
                assert_eq!(op.aliases, &[op.operation_id]);
            }
            assert!(find(op.operation_id).is_some());
        }
        assert_eq!(
            find("createOrgAccessEntry").unwrap().operation_id,
            "createOrgApiKeyAccessListEntry"
        );
        assert!(find("createorgapikey").is_none());
    }
}
