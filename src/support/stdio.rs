//! What the standard streams are, as the Go CLI asks: "piped" means not a character device.

use std::os::unix::fs::FileTypeExt;

/// True unless stdout is a character device (a terminal, or `/dev/null`): the Go CLI's sense
/// of "piped" (a file or a pipe). A stdout that cannot be examined counts as piped.
pub fn stdout_is_piped() -> bool {
    let stdout = std::io::stdout();
    let fd = std::os::fd::AsFd::as_fd(&stdout);
    match fd.try_clone_to_owned().map(std::fs::File::from) {
        Ok(file) => file
            .metadata()
            .map_or(true, |meta| !meta.file_type().is_char_device()),
        Err(_) => true,
    }
}
