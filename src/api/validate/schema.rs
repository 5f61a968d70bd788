//! The schema: a JSON-Schema subset and the six request bodies of `operations.json`, as consts.
//!
//! Translated by hand from `operations[].requestBody.schema` of the six body operations, with the
//! additions of README "Checks before anything is sent": the top-level arrays of `addGroupApiKey`
//! and `createOrgApiKeyAccessListEntry` must not be empty, and each access-list entry needs an
//! `ipAddress` (an IP address) or a `cidrBlock` (a CIDR block), checked by parsing rather than by
//! the spec's regexes. `pattern` and `readOnly` are not checked: `userId` is accepted as any
//! string.

/// A JSON-schema subset, enough for the six request bodies. All `'static` so it lives in a
/// const table.
#[derive(Debug)]
pub enum Schema {
    /// A JSON object. Properties not listed are ignored whatever their value.
    Object {
        /// Names (from `properties`) that must be present.
        required: &'static [&'static str],
        /// Names (from `properties`) of which at least one must be present; empty for no rule.
        required_any: &'static [&'static str],
        /// The known properties (at most 64) and their schemas.
        properties: &'static [(&'static str, Schema)],
    },
    /// A JSON array whose every element matches `items`.
    Array {
        /// The fewest elements allowed.
        min_items: usize,
        /// The schema of each element.
        items: &'static Schema,
    },
    /// A JSON string.
    String {
        /// The fewest characters (Unicode scalar values) allowed.
        min_length: Option<usize>,
        /// The most characters (Unicode scalar values) allowed.
        max_length: Option<usize>,
        /// Known values; a value outside a non-empty list only warns. Empty for any value.
        enum_values: &'static [&'static str],
        /// A format the value must parse as.
        format: StringFormat,
    },
}

/// What a string must parse as, beyond its length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StringFormat {
    /// Any string.
    None,
    /// An IPv4 or IPv6 address, as `std::net::IpAddr` parses it.
    IpAddress,
    /// `address/prefix`, with a prefix length of 1 to 3 decimal digits, at most 32 for IPv4 and
    /// 128 for IPv6.
    CidrBlock,
}

/// The project roles a programmatic API key can get in a project (`addGroupApiKey`,
/// `updateGroupApiKeyRoles`).
const GROUP_ROLES: &[&str] = &[
    "GROUP_BACKUP_MANAGER",
    "GROUP_CLUSTER_MANAGER",
    "GROUP_DATA_ACCESS_ADMIN",
    "GROUP_DATA_ACCESS_READ_ONLY",
    "GROUP_DATA_ACCESS_READ_WRITE",
    "GROUP_DATABASE_ACCESS_ADMIN",
    "GROUP_OBSERVABILITY_VIEWER",
    "GROUP_OWNER",
    "GROUP_READ_ONLY",
    "GROUP_SEARCH_INDEX_EDITOR",
    "GROUP_STREAM_PROCESSING_OWNER",
];

/// The organization roles (`createOrgApiKey`, `updateOrgApiKey`).
const ORG_ROLES: &[&str] = &[
    "ORG_OWNER",
    "ORG_MEMBER",
    "ORG_GROUP_CREATOR",
    "ORG_BILLING_ADMIN",
    "ORG_BILLING_READ_ONLY",
    "ORG_STREAM_PROCESSING_ADMIN",
    "ORG_READ_ONLY",
];

/// The roles `createGroupApiKey` lists: organization and project roles, in the spec's order.
const CREATE_GROUP_ROLES: &[&str] = &[
    "ORG_MEMBER",
    "ORG_READ_ONLY",
    "ORG_STREAM_PROCESSING_ADMIN",
    "ORG_BILLING_ADMIN",
    "ORG_BILLING_READ_ONLY",
    "ORG_GROUP_CREATOR",
    "ORG_OWNER",
    "GROUP_OWNER",
    "GROUP_READ_ONLY",
    "GROUP_DATA_ACCESS_ADMIN",
    "GROUP_DATA_ACCESS_READ_ONLY",
    "GROUP_DATA_ACCESS_READ_WRITE",
    "GROUP_CLUSTER_MANAGER",
    "GROUP_SEARCH_INDEX_EDITOR",
    "GROUP_STREAM_PROCESSING_OWNER",
    "GROUP_BACKUP_MANAGER",
    "GROUP_OBSERVABILITY_VIEWER",
    "GROUP_DATABASE_ACCESS_ADMIN",
];

/// A string of 1 to 250 characters: the `desc` of every key body.
const DESC: Schema = Schema::String {
    min_length: Some(1),
    max_length: Some(250),
    enum_values: &[],
    format: StringFormat::None,
};

/// A string without constraints.
const ANY_STRING: Schema = Schema::String {
    min_length: None,
    max_length: None,
    enum_values: &[],
    format: StringFormat::None,
};

/// `addGroupApiKey`: a non-empty array of `UserAccessRoleAssignment`.
pub static ADD_GROUP_API_KEY: Schema = Schema::Array {
    min_items: 1,
    items: &Schema::Object {
        required: &[],
        required_any: &[],
        properties: &[
            (
                "roles",
                Schema::Array {
                    min_items: 0,
                    items: &Schema::String {
                        min_length: None,
                        max_length: None,
                        enum_values: GROUP_ROLES,
                        format: StringFormat::None,
                    },
                },
            ),
            ("userId", ANY_STRING),
        ],
    },
};

/// `createGroupApiKey`: `CreateAtlasProjectApiKey`.
pub static CREATE_GROUP_API_KEY: Schema = Schema::Object {
    required: &["desc", "roles"],
    required_any: &[],
    properties: &[
        ("desc", DESC),
        (
            "roles",
            Schema::Array {
                min_items: 1,
                items: &Schema::String {
                    min_length: None,
                    max_length: None,
                    enum_values: CREATE_GROUP_ROLES,
                    format: StringFormat::None,
                },
            },
        ),
    ],
};

/// `createOrgApiKey`: `CreateAtlasOrganizationApiKey`.
pub static CREATE_ORG_API_KEY: Schema = Schema::Object {
    required: &["desc", "roles"],
    required_any: &[],
    properties: &[
        ("desc", DESC),
        (
            "roles",
            Schema::Array {
                min_items: 1,
                items: &Schema::String {
                    min_length: None,
                    max_length: None,
                    enum_values: ORG_ROLES,
                    format: StringFormat::None,
                },
            },
        ),
    ],
};

/// `createOrgApiKeyAccessListEntry`: a non-empty array of `UserAccessListRequest`, each with
/// an `ipAddress` or a `cidrBlock` (both are accepted; the server decides).
pub static CREATE_ORG_API_KEY_ACCESS_LIST_ENTRY: Schema = Schema::Array {
    min_items: 1,
    items: &Schema::Object {
        required: &[],
        required_any: &["ipAddress", "cidrBlock"],
        properties: &[
            (
                "cidrBlock",
                Schema::String {
                    min_length: None,
                    max_length: None,
                    enum_values: &[],
                    format: StringFormat::CidrBlock,
                },
            ),
            (
                "ipAddress",
                Schema::String {
                    min_length: None,
                    max_length: None,
                    enum_values: &[],
                    format: StringFormat::IpAddress,
                },
            ),
        ],
    },
};

/// `updateGroupApiKeyRoles`: `UpdateAtlasProjectApiKey` (nothing required, `roles` may be
/// empty).
pub static UPDATE_GROUP_API_KEY_ROLES: Schema = Schema::Object {
    required: &[],
    required_any: &[],
    properties: &[
        ("desc", DESC),
        (
            "roles",
            Schema::Array {
                min_items: 0,
                items: &Schema::String {
                    min_length: None,
                    max_length: None,
                    enum_values: GROUP_ROLES,
                    format: StringFormat::None,
                },
            },
        ),
    ],
};

/// `updateOrgApiKey`: `UpdateAtlasOrganizationApiKey` (nothing required, `roles` may be
/// empty).
pub static UPDATE_ORG_API_KEY: Schema = Schema::Object {
    required: &[],
    required_any: &[],
    properties: &[
        ("desc", DESC),
        (
            "roles",
            Schema::Array {
                min_items: 0,
                items: &Schema::String {
                    min_length: None,
                    max_length: None,
                    enum_values: ORG_ROLES,
                    format: StringFormat::None,
                },
            },
        ),
    ],
};

/// The six body schemas by operationId.
pub static BODY_SCHEMAS: &[(&str, &Schema)] = &[
    ("addGroupApiKey", &ADD_GROUP_API_KEY),
    ("createGroupApiKey", &CREATE_GROUP_API_KEY),
    ("createOrgApiKey", &CREATE_ORG_API_KEY),
    (
        "createOrgApiKeyAccessListEntry",
        &CREATE_ORG_API_KEY_ACCESS_LIST_ENTRY,
    ),
    ("updateGroupApiKeyRoles", &UPDATE_GROUP_API_KEY_ROLES),
    ("updateOrgApiKey", &UPDATE_ORG_API_KEY),
];

/// The body schema of an operation, by its operationId; `None` for operations without one.
pub fn body_schema(operation_id: &str) -> Option<&'static Schema> {
    BODY_SCHEMAS
        .iter()
        .find(|(id, _)| *id == operation_id)
        .map(|(_, schema)| *schema)
}
