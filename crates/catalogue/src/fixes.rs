//! Two bugs of the Go CLI's table that this project fixes, as rule data keyed by operation id
//! (the README's `--watch` section lists them).

use crate::model::Watcher;

/// The watcher as polled here: the table's, with its known bugs fixed.
pub fn watcher(operation_id: &str, table: &Watcher) -> Watcher {
    let mut fixed = Watcher {
        operation_id: table.operation_id.clone(),
        version: table.version.clone(),
        params: table.params.clone(),
        http_code: table.http_code,
        match_path: table.match_path.clone(),
        match_values: table.match_values.clone(),
    };
    match operation_id {
        // The table has the watcher send the PATCH again; the cluster is read instead.
        "updateGroupCluster" => {
            fixed.operation_id = "getGroupCluster".into();
            fixed.version = "2024-08-05".into();
        }
        // The table reads both from the DELETE's answer, which is empty: they come from the
        // command's own input.
        "deleteGroupPrivateEndpointEndpointService" => {
            for (name, source) in &mut fixed.params {
                if name == "cloudProvider" || name == "endpointServiceId" {
                    *source = format!("input:{name}");
                }
            }
        }
        _ => {}
    }
    fixed
}
