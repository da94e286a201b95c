//! What the store's test files share.

/// Run one async test body (`async fn(Store)`) on a fresh SQLite store and on a fresh
/// PostgreSQL database, as two tests `NAME::sqlite` and `NAME::postgres`.
macro_rules! on_both {
    ($name:ident, $body:path) => {
        mod $name {
            #[tokio::test]
            async fn sqlite() {
                let dir = tempfile::tempdir().unwrap();
                let store = earshot_store::testing::sqlite_store(dir.path())
                    .await
                    .unwrap();
                $body(store).await;
            }
            #[tokio::test]
            async fn postgres() {
                let store = earshot_store::testing::postgres_store().await.unwrap();
                $body(store).await;
            }
        }
    };
}
