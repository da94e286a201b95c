//! The object store: recordings and transcript JSON. Local files by default, S3 by URL.

use std::sync::Arc;

use bytes::Bytes;
use object_store::local::LocalFileSystem;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, PutPayload};
use url::Url;

use crate::{Store, StoreError, StoreResult};

/// Open an object store from a URL: `file:///abs/dir`, `s3://bucket[/prefix]` (credentials and
/// endpoint from the usual `AWS_*` variables, e.g. `AWS_ENDPOINT` for MinIO or Garage), or
/// `memory://` for tests.
pub fn open(url: &str) -> StoreResult<Arc<dyn ObjectStore>> {
    let bad = |reason: String| StoreError::ObjectStoreUrl {
        url: url.to_string(),
        reason,
    };
    let parsed = Url::parse(url).map_err(|e| bad(e.to_string()))?;
    match parsed.scheme() {
        "file" => {
            let dir = parsed
                .to_file_path()
                .map_err(|_| bad("a file URL needs an absolute path".into()))?;
            std::fs::create_dir_all(&dir).map_err(|e| bad(format!("cannot create it: {e}")))?;
            let fs = LocalFileSystem::new_with_prefix(&dir).map_err(|e| bad(e.to_string()))?;
            Ok(Arc::new(fs))
        }
        "memory" => Ok(Arc::new(object_store::memory::InMemory::new())),
        "s3" => {
            let (store, prefix) = object_store::parse_url_opts(
                &parsed,
                std::env::vars().filter(|(k, _)| k.starts_with("AWS_")),
            )
            .map_err(|e| bad(e.to_string()))?;
            let store: Arc<dyn ObjectStore> = Arc::from(store);
            if prefix.as_ref().is_empty() {
                Ok(store)
            } else {
                Ok(Arc::new(object_store::prefix::PrefixStore::new(
                    store, prefix,
                )))
            }
        }
        other => Err(bad(format!(
            "scheme {other:?} is not supported (file, s3, memory)"
        ))),
    }
}

impl Store {
    pub async fn put_object(&self, key: &str, data: Bytes) -> StoreResult<()> {
        self.objects
            .put(&ObjectPath::from(key), PutPayload::from_bytes(data))
            .await
            .map_err(|source| StoreError::Object {
                key: key.to_string(),
                source,
            })?;
        Ok(())
    }

    pub async fn get_object(&self, key: &str) -> StoreResult<Bytes> {
        let result = self
            .objects
            .get(&ObjectPath::from(key))
            .await
            .map_err(|source| object_error(key, source))?;
        result
            .bytes()
            .await
            .map_err(|source| object_error(key, source))
    }

    /// Bytes `range` of an object (for HTTP range requests on recordings).
    pub async fn get_object_range(
        &self,
        key: &str,
        range: std::ops::Range<u64>,
    ) -> StoreResult<Bytes> {
        self.objects
            .get_range(&ObjectPath::from(key), range)
            .await
            .map_err(|source| object_error(key, source))
    }

    pub async fn object_size(&self, key: &str) -> StoreResult<u64> {
        let meta = self
            .objects
            .head(&ObjectPath::from(key))
            .await
            .map_err(|source| object_error(key, source))?;
        Ok(meta.size)
    }

    pub async fn delete_object(&self, key: &str) -> StoreResult<()> {
        match self.objects.delete(&ObjectPath::from(key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(source) => Err(object_error(key, source)),
        }
    }
}

fn object_error(key: &str, source: object_store::Error) -> StoreError {
    match source {
        object_store::Error::NotFound { .. } => StoreError::NotFound {
            what: "object",
            id: key.to_string(),
        },
        source => StoreError::Object {
            key: key.to_string(),
            source,
        },
    }
}
