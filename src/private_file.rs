//! New files that never replace an existing one, and that only their owner can read when they
//! hold a secret (a private key): mode 0600 on Unix; on Windows a protected DACL granting the
//! current user alone. Either is set as the file is created, so there is no moment in which the
//! file is readable by others. On Windows a file otherwise inherits its folder's ACL, which
//! outside the user's profile (`C:\keys`, a share) usually lets every user read it.

use std::fs::File;
use std::io;
use std::path::Path;

/// Creates `path`, failing if it exists; owner-only when `private`.
///
/// # Errors
/// When the file exists or cannot be created (on Windows also when the current user's
/// identity cannot be read to write the ACL).
pub fn create_new(path: &Path, private: bool) -> io::Result<File> {
    #[cfg(windows)]
    if private {
        return windows::create_owner_only(path);
    }
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        o.mode(if private { 0o600 } else { 0o644 });
    }
    o.open(path)
}

/// The Win32 security calls std has no API for. Each call's result is checked and everything
/// the system allocates is freed on every path.
#[cfg(windows)]
#[allow(
    unsafe_code,
    reason = "FFI to the Win32 security API: std cannot give a new file its own ACL"
)]
mod windows {
    use std::ffi::OsStr;
    use std::fs::File;
    use std::io;
    use std::os::windows::ffi::OsStrExt as _;
    use std::os::windows::io::{FromRawHandle as _, RawHandle};
    use std::path::Path;
    use std::ptr;

    use windows_sys::Win32::Foundation::{
        CloseHandle, GENERIC_READ, GENERIC_WRITE, HANDLE, INVALID_HANDLE_VALUE, LocalFree,
    };
    use windows_sys::Win32::Security::Authorization::{
        ConvertSidToStringSidW, ConvertStringSecurityDescriptorToSecurityDescriptorW,
        SDDL_REVISION_1,
    };
    use windows_sys::Win32::Security::{
        GetTokenInformation, PSECURITY_DESCRIPTOR, SECURITY_ATTRIBUTES, TOKEN_QUERY, TOKEN_USER,
        TokenUser,
    };
    use windows_sys::Win32::Storage::FileSystem::{CREATE_NEW, CreateFileW, FILE_ATTRIBUTE_NORMAL};
    use windows_sys::Win32::System::Threading::{GetCurrentProcess, OpenProcessToken};

    fn wide(s: &OsStr) -> Vec<u16> {
        s.encode_wide().chain(Some(0)).collect()
    }

    /// A handle closed when dropped.
    struct Handle(HANDLE);
    impl Drop for Handle {
        fn drop(&mut self) {
            // SAFETY: the handle was opened by this module and is closed once.
            unsafe { CloseHandle(self.0) };
        }
    }

    /// Memory the system gave with `LocalAlloc`, freed when dropped.
    struct Local(*mut core::ffi::c_void);
    impl Drop for Local {
        fn drop(&mut self) {
            // SAFETY: the pointer came from a call documented to allocate with LocalAlloc.
            unsafe { LocalFree(self.0) };
        }
    }

    /// The current user's SID as text (`S-1-5-21-…`).
    fn user_sid() -> io::Result<String> {
        let mut token: HANDLE = ptr::null_mut();
        // SAFETY: the out pointer is valid for the call.
        if unsafe { OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &raw mut token) } == 0 {
            return Err(io::Error::last_os_error());
        }
        let token = Handle(token);
        // TOKEN_USER holds a pointer into the same buffer; u64 words keep it aligned.
        let mut buf = vec![0u64; 32];
        let mut len = 0u32;
        let size = u32::try_from(buf.len() * 8).unwrap_or(u32::MAX);
        // SAFETY: `buf` is writable for `size` bytes and aligned for TOKEN_USER.
        let ok = unsafe {
            GetTokenInformation(
                token.0,
                TokenUser,
                buf.as_mut_ptr().cast(),
                size,
                &raw mut len,
            )
        };
        if ok == 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: GetTokenInformation filled the buffer with a TOKEN_USER.
        let user = unsafe { &*buf.as_ptr().cast::<TOKEN_USER>() };
        let mut text: *mut u16 = ptr::null_mut();
        // SAFETY: the SID points into `buf`, alive here; the out pointer is valid.
        if unsafe { ConvertSidToStringSidW(user.User.Sid, &raw mut text) } == 0 {
            return Err(io::Error::last_os_error());
        }
        let text = Local(text.cast());
        // SAFETY: ConvertSidToStringSidW returns a NUL-terminated UTF-16 string, of at most
        // SECURITY_MAX_SID_STRING_CHARACTERS (187) before the NUL.
        let units = unsafe {
            let p = text.0.cast::<u16>();
            let n = (0..188).take_while(|&i| *p.add(i) != 0).count();
            std::slice::from_raw_parts(p, n)
        };
        Ok(String::from_utf16_lossy(units))
    }

    /// Creates `path` (never over an existing file) with a DACL that grants the current user
    /// full control and nobody else anything, and inherits nothing from the folder (`P`).
    pub fn create_owner_only(path: &Path) -> io::Result<File> {
        let sddl = wide(OsStr::new(&format!("D:P(A;;FA;;;{})", user_sid()?)));
        let mut sd: PSECURITY_DESCRIPTOR = ptr::null_mut();
        // SAFETY: `sddl` is NUL-terminated; the out pointer is valid.
        let ok = unsafe {
            ConvertStringSecurityDescriptorToSecurityDescriptorW(
                sddl.as_ptr(),
                SDDL_REVISION_1,
                &raw mut sd,
                ptr::null_mut(),
            )
        };
        if ok == 0 {
            return Err(io::Error::last_os_error());
        }
        let sd = Local(sd);
        let attributes = SECURITY_ATTRIBUTES {
            nLength: u32::try_from(size_of::<SECURITY_ATTRIBUTES>()).unwrap_or(u32::MAX),
            lpSecurityDescriptor: sd.0,
            bInheritHandle: 0,
        };
        let name = wide(path.as_os_str());
        // SAFETY: the name is NUL-terminated and the attributes and descriptor outlive the call.
        // No sharing while it is open: nobody opens the key before it is written.
        let handle = unsafe {
            CreateFileW(
                name.as_ptr(),
                GENERIC_READ | GENERIC_WRITE,
                0,
                &raw const attributes,
                CREATE_NEW,
                FILE_ATTRIBUTE_NORMAL,
                ptr::null_mut(),
            )
        };
        if handle == INVALID_HANDLE_VALUE {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: a valid handle this function owns, handed over to the File.
        Ok(unsafe { File::from_raw_handle(handle as RawHandle) })
    }
}
