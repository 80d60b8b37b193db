//! How broad a scope, permission or role name is, across the platforms heir knows: the
//! over-privilege and third-party rules read it.

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Breadth {
    /// Reads everything of a kind, tenant-wide.
    ReadAll,
    /// Admin, wildcard or write-everything.
    Admin,
}

/// How broad one scope, permission or role name is, across the platforms heir knows.
pub(super) fn breadth(scope: &str) -> Option<Breadth> {
    let s = scope.trim().to_ascii_lowercase();
    let last = s.rsplit('/').find(|p| !p.is_empty()).unwrap_or(&s);
    let admin = s.contains('*')
        || matches!(
            s.as_str(),
            "full"
                | "full_access"
                | "full_access_as_app"
                | "all"
                | "admin"
                | "root"
                | "repo"
                | "delete_repo"
                | "https://mail.google.com/"
        )
        || s.starts_with("admin:")
        || s.starts_with("admin.")
        || (s.starts_with("okta.") && s.ends_with(".manage"))
        || s.ends_with("readwrite.all")
        || s.ends_with("readwrite.directory")
        || matches!(
            last,
            "mail.readwrite"
                | "mail.send"
                | "cloud-platform"
                | "drive"
                | "gmail.modify"
                | "admin.directory.user"
                | "admin.directory.group"
        );
    if admin {
        return Some(Breadth::Admin);
    }
    let read_all = last == ".default"
        || s.ends_with("read.all")
        || matches!(
            last,
            "mail.read"
                | "channels:history"
                | "groups:history"
                | "im:history"
                | "mpim:history"
                | "files:read"
                | "drive.readonly"
                | "gmail.readonly"
                | "api"
        );
    read_all.then_some(Breadth::ReadAll)
}

/// The broad scopes among `scopes`, with the widest breadth.
pub(super) fn broad(scopes: &[String]) -> (Option<Breadth>, Vec<String>) {
    let mut best = None;
    let mut names = Vec::new();
    for s in scopes {
        if let Some(b) = breadth(s) {
            best = best.max(Some(b));
            if !names.contains(s) {
                names.push(s.clone());
            }
        }
    }
    (best, names)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn breadth_table() {
        assert_eq!(breadth("repo"), Some(Breadth::Admin));
        assert_eq!(breadth("admin:org"), Some(Breadth::Admin));
        assert_eq!(breadth("Directory.ReadWrite.All"), Some(Breadth::Admin));
        assert_eq!(breadth("Mail.ReadWrite"), Some(Breadth::Admin));
        assert_eq!(breadth("okta.users.manage"), Some(Breadth::Admin));
        assert_eq!(breadth("*"), Some(Breadth::Admin));
        assert_eq!(
            breadth("https://graph.microsoft.com/.default"),
            Some(Breadth::ReadAll)
        );
        assert_eq!(breadth("Mail.Read"), Some(Breadth::ReadAll));
        assert_eq!(breadth("channels:history"), Some(Breadth::ReadAll));
        assert_eq!(breadth("contents:write"), None);
        assert_eq!(breadth("chat:write"), None);
        assert_eq!(
            breadth("https://www.googleapis.com/auth/calendar.readonly"),
            None
        );
        assert_eq!(breadth("workflow"), None);
    }
}
