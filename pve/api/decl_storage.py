"""Proxmox's declarations of the /storage and /nodes/{node}/storage endpoints,
as apidata.json has them.

Generated with ``tools/extract_schema.py`` (one entry per method); edit
only to follow upstream.  :class:`pve.api.tree.Routes` registers a handler
under one of these.
"""

# flake8: noqa: E501

DECLS = {
    ('/storage', 'GET'): {'name': 'index',
     'description': 'Storage index.',
     'permissions': {'description': "Only list entries where you have 'Datastore.Audit' or "
                                    "'Datastore.AllocateSpace' permissions on '/storage/<storage>'",
                     'user': 'all'},
     'allowtoken': 1,
     'parameters': {'additionalProperties': 0,
                    'properties': {'type': {'description': 'Only list storage of specific type',
                                            'enum': ['btrfs',
                                                     'cephfs',
                                                     'cifs',
                                                     'dir',
                                                     'esxi',
                                                     'iscsi',
                                                     'iscsidirect',
                                                     'lvm',
                                                     'lvmthin',
                                                     'nfs',
                                                     'pbs',
                                                     'rbd',
                                                     'zfs',
                                                     'zfspool'],
                                            'optional': 1,
                                            'type': 'string'}}},
     'returns': {'items': {'properties': {'storage': {'type': 'string'}}, 'type': 'object'},
                 'links': [{'href': '{storage}', 'rel': 'child'}],
                 'type': 'array'}},
    ('/storage', 'POST'): {'name': 'create',
     'description': 'Create a new storage.',
     'permissions': {'check': ['perm', '/storage', ['Datastore.Allocate']]},
     'protected': 1,
     'allowtoken': 1,
     'parameters': {'additionalProperties': 0,
                    'properties': {'authsupported': {'description': 'Authsupported.',
                                                     'optional': 1,
                                                     'type': 'string'},
                                   'base': {'description': 'Base volume. This volume is '
                                                           'automatically activated.',
                                            'format': 'pve-volume-id',
                                            'optional': 1,
                                            'type': 'string'},
                                   'blocksize': {'description': 'block size',
                                                 'optional': 1,
                                                 'type': 'string'},
                                   'bwlimit': {'description': 'Set I/O bandwidth limit for various '
                                                              'operations (in KiB/s).',
                                               'format': {'clone': {'description': 'bandwidth '
                                                                                   'limit in KiB/s '
                                                                                   'for cloning '
                                                                                   'disks',
                                                                    'format_description': 'LIMIT',
                                                                    'minimum': '0',
                                                                    'optional': 1,
                                                                    'type': 'number'},
                                                          'default': {'description': 'default '
                                                                                     'bandwidth '
                                                                                     'limit in '
                                                                                     'KiB/s',
                                                                      'format_description': 'LIMIT',
                                                                      'minimum': '0',
                                                                      'optional': 1,
                                                                      'type': 'number'},
                                                          'migration': {'description': 'bandwidth '
                                                                                       'limit in '
                                                                                       'KiB/s for '
                                                                                       'migrating '
                                                                                       'guests '
                                                                                       '(including '
                                                                                       'moving '
                                                                                       'local '
                                                                                       'disks)',
                                                                        'format_description': 'LIMIT',
                                                                        'minimum': '0',
                                                                        'optional': 1,
                                                                        'type': 'number'},
                                                          'move': {'description': 'bandwidth limit '
                                                                                  'in KiB/s for '
                                                                                  'moving disks',
                                                                   'format_description': 'LIMIT',
                                                                   'minimum': '0',
                                                                   'optional': 1,
                                                                   'type': 'number'},
                                                          'restore': {'description': 'bandwidth '
                                                                                     'limit in '
                                                                                     'KiB/s for '
                                                                                     'restoring '
                                                                                     'guests from '
                                                                                     'backups',
                                                                      'format_description': 'LIMIT',
                                                                      'minimum': '0',
                                                                      'optional': 1,
                                                                      'type': 'number'}},
                                               'optional': 1,
                                               'type': 'string'},
                                   'comstar_hg': {'description': 'host group for comstar views',
                                                  'optional': 1,
                                                  'type': 'string'},
                                   'comstar_tg': {'description': 'target group for comstar views',
                                                  'optional': 1,
                                                  'type': 'string'},
                                   'content': {'description': 'Allowed content types.\n'
                                                              '\n'
                                                              "NOTE: the value 'rootdir' is used "
                                                              "for Containers, and value 'images' "
                                                              'for VMs.\n',
                                               'format': 'pve-storage-content-list',
                                               'optional': 1,
                                               'type': 'string'},
                                   'content-dirs': {'description': 'Overrides for default content '
                                                                   'type directories.',
                                                    'format': 'pve-dir-override-list',
                                                    'optional': 1,
                                                    'type': 'string'},
                                   'create-base-path': {'default': 'yes',
                                                        'description': 'Create the base directory '
                                                                       "if it doesn't exist.",
                                                        'optional': 1,
                                                        'type': 'boolean'},
                                   'create-subdirs': {'default': 'yes',
                                                      'description': 'Populate the directory with '
                                                                     'the default structure.',
                                                      'optional': 1,
                                                      'type': 'boolean'},
                                   'data-pool': {'description': 'Data Pool (for erasure coding '
                                                                'only)',
                                                 'optional': 1,
                                                 'type': 'string'},
                                   'datastore': {'description': 'Proxmox Backup Server datastore '
                                                                'name.',
                                                 'optional': 1,
                                                 'type': 'string'},
                                   'disable': {'description': 'Flag to disable the storage.',
                                               'optional': 1,
                                               'type': 'boolean'},
                                   'domain': {'description': 'CIFS domain.',
                                              'maxLength': 256,
                                              'optional': 1,
                                              'type': 'string'},
                                   'encryption-key': {'description': 'Encryption key. Use '
                                                                     "'autogen' to generate one "
                                                                     'automatically without '
                                                                     'passphrase.',
                                                      'optional': 1,
                                                      'type': 'string'},
                                   'export': {'description': 'NFS export path.',
                                              'format': 'pve-storage-path',
                                              'optional': 1,
                                              'type': 'string'},
                                   'fingerprint': {'description': 'Certificate SHA 256 '
                                                                  'fingerprint.',
                                                   'optional': 1,
                                                   'pattern': '([A-Fa-f0-9]{2}:){31}[A-Fa-f0-9]{2}',
                                                   'type': 'string'},
                                   'format': {'description': 'Default image format.',
                                              'enum': ['raw', 'qcow2', 'subvol', 'vmdk'],
                                              'optional': 1,
                                              'type': 'string'},
                                   'fs-name': {'description': 'The Ceph filesystem name.',
                                               'format': 'pve-configid',
                                               'optional': 1,
                                               'type': 'string'},
                                   'fuse': {'description': 'Mount CephFS through FUSE.',
                                            'optional': 1,
                                            'type': 'boolean'},
                                   'is_mountpoint': {'default': 'no',
                                                     'description': 'Assume the given path is an '
                                                                    'externally managed mountpoint '
                                                                    'and consider the storage '
                                                                    'offline if it is not mounted. '
                                                                    'Using a boolean (yes/no) '
                                                                    'value serves as a shortcut to '
                                                                    'using the target path in this '
                                                                    'field.',
                                                     'optional': 1,
                                                     'type': 'string'},
                                   'iscsiprovider': {'description': 'iscsi provider',
                                                     'optional': 1,
                                                     'type': 'string'},
                                   'keyring': {'description': 'Client keyring contents (for '
                                                              'external clusters).',
                                               'optional': 1,
                                               'type': 'string'},
                                   'krbd': {'default': 0,
                                            'description': 'Always access rbd through krbd kernel '
                                                           'module.',
                                            'optional': 1,
                                            'type': 'boolean'},
                                   'lio_tpg': {'description': 'target portal group for Linux LIO '
                                                              'targets',
                                               'optional': 1,
                                               'type': 'string'},
                                   'master-pubkey': {'description': 'Base64-encoded, PEM-formatted '
                                                                    'public RSA key. Used to '
                                                                    'encrypt a copy of the '
                                                                    'encryption-key which will be '
                                                                    'added to each encrypted '
                                                                    'backup.',
                                                     'optional': 1,
                                                     'type': 'string'},
                                   'max-protected-backups': {'default': 'Unlimited for users with '
                                                                        'Datastore.Allocate '
                                                                        'privilege, 5 for other '
                                                                        'users',
                                                             'description': 'Maximal number of '
                                                                            'protected backups per '
                                                                            "guest. Use '-1' for "
                                                                            'unlimited.',
                                                             'minimum': -1,
                                                             'optional': 1,
                                                             'type': 'integer'},
                                   'mkdir': {'default': 'yes',
                                             'description': "Create the directory if it doesn't "
                                                            'exist and populate it with default '
                                                            'sub-dirs. NOTE: Deprecated, use the '
                                                            "'create-base-path' and "
                                                            "'create-subdirs' options instead.",
                                             'optional': 1,
                                             'type': 'boolean'},
                                   'monhost': {'description': 'IP addresses of monitors (for '
                                                              'external clusters).',
                                               'format': 'pve-storage-portal-dns-list',
                                               'optional': 1,
                                               'type': 'string'},
                                   'mountpoint': {'description': 'mount point',
                                                  'format': 'pve-storage-path',
                                                  'optional': 1,
                                                  'type': 'string'},
                                   'namespace': {'description': 'Namespace.',
                                                 'optional': 1,
                                                 'type': 'string'},
                                   'nocow': {'default': 0,
                                             'description': 'Set the NOCOW flag on files. Disables '
                                                            'data checksumming and causes data '
                                                            'errors to be unrecoverable from while '
                                                            'allowing direct I/O. Only use this if '
                                                            'data does not need to be any more '
                                                            'safe than on a single ext4 formatted '
                                                            'disk with no underlying raid system.',
                                             'optional': 1,
                                             'type': 'boolean'},
                                   'nodes': {'description': 'List of nodes for which the storage '
                                                            'configuration applies.',
                                             'format': 'pve-node-list',
                                             'optional': 1,
                                             'type': 'string'},
                                   'nowritecache': {'description': 'disable write caching on the '
                                                                   'target',
                                                    'optional': 1,
                                                    'type': 'boolean'},
                                   'options': {'description': "NFS/CIFS mount options (see 'man "
                                                              "nfs' or 'man mount.cifs')",
                                               'format': 'pve-storage-options',
                                               'optional': 1,
                                               'type': 'string'},
                                   'password': {'description': 'Password for accessing the '
                                                               'share/datastore.',
                                                'maxLength': 256,
                                                'optional': 1,
                                                'type': 'string'},
                                   'path': {'description': 'File system path.',
                                            'format': 'pve-storage-path',
                                            'optional': 1,
                                            'type': 'string'},
                                   'pool': {'description': 'Pool.',
                                            'optional': 1,
                                            'type': 'string'},
                                   'port': {'description': 'Use this port to connect to the '
                                                           'storage instead of the default one '
                                                           '(for example, with PBS or ESXi). For '
                                                           "NFS and CIFS, use the 'options' option "
                                                           'to configure the port via the mount '
                                                           'options.',
                                            'maximum': 65535,
                                            'minimum': 1,
                                            'optional': 1,
                                            'type': 'integer'},
                                   'portal': {'description': 'iSCSI portal (IP or DNS name with '
                                                             'optional port).',
                                              'format': 'pve-storage-portal-dns',
                                              'optional': 1,
                                              'type': 'string'},
                                   'preallocation': {'default': 'metadata',
                                                     'description': 'Preallocation mode for raw '
                                                                    'and qcow2 images. Using '
                                                                    "'metadata' on raw images "
                                                                    'results in preallocation=off.',
                                                     'enum': ['off', 'metadata', 'falloc', 'full'],
                                                     'optional': 1,
                                                     'type': 'string'},
                                   'prune-backups': {'description': 'The retention options with '
                                                                    'shorter intervals are '
                                                                    'processed first with '
                                                                    '--keep-last being the very '
                                                                    'first one. Each option covers '
                                                                    'a specific period of time. We '
                                                                    'say that backups within this '
                                                                    'period are covered by this '
                                                                    'option. The next option does '
                                                                    'not take care of already '
                                                                    'covered backups and only '
                                                                    'considers older backups.',
                                                     'format': 'prune-backups',
                                                     'optional': 1,
                                                     'type': 'string',
                                                     'typetext': '[keep-all=<1|0>] '
                                                                 '[,keep-daily=<N>] '
                                                                 '[,keep-hourly=<N>] '
                                                                 '[,keep-last=<N>] '
                                                                 '[,keep-monthly=<N>] '
                                                                 '[,keep-weekly=<N>] '
                                                                 '[,keep-yearly=<N>]'},
                                   'saferemove': {'description': 'Zero-out data when removing LVs.',
                                                  'optional': 1,
                                                  'type': 'boolean'},
                                   'saferemove-stepsize': {'default': 32,
                                                           'description': 'Wipe step size in MiB. '
                                                                          'It will be capped to '
                                                                          'the maximum supported '
                                                                          'by the storage.',
                                                           'enum': ['1', '2', '4', '8', '16', '32'],
                                                           'optional': 1,
                                                           'type': 'integer'},
                                   'saferemove_throughput': {'description': 'Wipe throughput '
                                                                            '(cstream -t parameter '
                                                                            'value).',
                                                             'optional': 1,
                                                             'type': 'string'},
                                   'server': {'description': 'Server IP or DNS name.',
                                              'format': 'pve-storage-server',
                                              'optional': 1,
                                              'type': 'string'},
                                   'share': {'description': 'CIFS share.',
                                             'optional': 1,
                                             'type': 'string'},
                                   'shared': {'description': 'Indicate that this is a single '
                                                             'storage with the same contents on '
                                                             'all nodes (or all listed in the '
                                                             "'nodes' option). It will not make "
                                                             'the contents of a local storage '
                                                             'automatically accessible to other '
                                                             'nodes, it just marks an already '
                                                             'shared storage as such!',
                                              'optional': 1,
                                              'type': 'boolean'},
                                   'skip-cert-verification': {'default': 'false',
                                                              'description': 'Disable TLS '
                                                                             'certificate '
                                                                             'verification, only '
                                                                             'enable on fully '
                                                                             'trusted networks!',
                                                              'optional': 1,
                                                              'type': 'boolean'},
                                   'smbversion': {'default': 'default',
                                                  'description': "SMB protocol version. 'default' "
                                                                 'if not set, negotiates the '
                                                                 'highest SMB2+ version supported '
                                                                 'by both the client and server.',
                                                  'enum': ['default',
                                                           '2.0',
                                                           '2.1',
                                                           '3',
                                                           '3.0',
                                                           '3.11'],
                                                  'optional': 1,
                                                  'type': 'string'},
                                   'snapshot-as-volume-chain': {'default': 0,
                                                                'description': 'Enable support for '
                                                                               'creating '
                                                                               'storage-vendor '
                                                                               'agnostic snapshot '
                                                                               'through volume '
                                                                               'backing-chains.',
                                                                'optional': 1,
                                                                'type': 'boolean'},
                                   'sparse': {'description': 'use sparse volumes',
                                              'optional': 1,
                                              'type': 'boolean'},
                                   'storage': {'description': 'The storage identifier.',
                                               'format': 'pve-storage-id',
                                               'format_description': 'storage ID',
                                               'type': 'string'},
                                   'subdir': {'description': 'Subdir to mount.',
                                              'format': 'pve-storage-path',
                                              'optional': 1,
                                              'type': 'string'},
                                   'tagged_only': {'description': 'Only use logical volumes tagged '
                                                                  "with 'pve-vm-ID'.",
                                                   'optional': 1,
                                                   'type': 'boolean'},
                                   'target': {'description': 'iSCSI target.',
                                              'optional': 1,
                                              'type': 'string'},
                                   'thinpool': {'description': 'LVM thin pool LV name.',
                                                'format': 'pve-storage-vgname',
                                                'optional': 1,
                                                'type': 'string'},
                                   'type': {'description': 'Storage type.',
                                            'enum': ['btrfs',
                                                     'cephfs',
                                                     'cifs',
                                                     'dir',
                                                     'esxi',
                                                     'iscsi',
                                                     'iscsidirect',
                                                     'lvm',
                                                     'lvmthin',
                                                     'nfs',
                                                     'pbs',
                                                     'rbd',
                                                     'zfs',
                                                     'zfspool'],
                                            'type': 'string'},
                                   'username': {'description': 'RBD Id.',
                                                'optional': 1,
                                                'type': 'string'},
                                   'vgname': {'description': 'Volume group name.',
                                              'format': 'pve-storage-vgname',
                                              'optional': 1,
                                              'type': 'string'},
                                   'zfs-base-path': {'description': 'Base path where to look for '
                                                                    'the created ZFS block '
                                                                    'devices. Set automatically '
                                                                    'during creation if not '
                                                                    'specified. Usually '
                                                                    "'/dev/zvol'.",
                                                     'format': 'pve-storage-path',
                                                     'optional': 1,
                                                     'type': 'string'}},
                    'type': 'object'},
     'returns': {'properties': {'config': {'additionalProperties': 1,
                                           'description': 'Partial, possibly server generated, '
                                                          'configuration properties.',
                                           'optional': 1,
                                           'properties': {'encryption-key': {'description': 'The, '
                                                                                            'possibly '
                                                                                            'auto-generated, '
                                                                                            'encryption-key.',
                                                                             'optional': 1,
                                                                             'type': 'string'}},
                                           'type': 'object'},
                                'storage': {'description': 'The ID of the created storage.',
                                            'type': 'string'},
                                'type': {'description': 'The type of the created storage.',
                                         'enum': ['btrfs',
                                                  'cephfs',
                                                  'cifs',
                                                  'dir',
                                                  'esxi',
                                                  'iscsi',
                                                  'iscsidirect',
                                                  'lvm',
                                                  'lvmthin',
                                                  'nfs',
                                                  'pbs',
                                                  'rbd',
                                                  'zfs',
                                                  'zfspool'],
                                         'type': 'string'}},
                 'type': 'object'}},
    ('/storage/{storage}', 'GET'): {'name': 'read',
     'description': 'Read storage configuration.',
     'permissions': {'check': ['perm', '/storage/{storage}', ['Datastore.Allocate']]},
     'allowtoken': 1,
     'parameters': {'additionalProperties': 0,
                    'properties': {'storage': {'description': 'The storage identifier.',
                                               'format': 'pve-storage-id',
                                               'format_description': 'storage ID',
                                               'type': 'string'}}},
     'returns': {'type': 'object'}},
    ('/storage/{storage}', 'PUT'): {'name': 'update',
     'description': 'Update storage configuration.',
     'permissions': {'check': ['perm', '/storage', ['Datastore.Allocate']]},
     'protected': 1,
     'allowtoken': 1,
     'parameters': {'additionalProperties': 0,
                    'properties': {'blocksize': {'description': 'block size',
                                                 'optional': 1,
                                                 'type': 'string'},
                                   'bwlimit': {'description': 'Set I/O bandwidth limit for various '
                                                              'operations (in KiB/s).',
                                               'format': {'clone': {'description': 'bandwidth '
                                                                                   'limit in KiB/s '
                                                                                   'for cloning '
                                                                                   'disks',
                                                                    'format_description': 'LIMIT',
                                                                    'minimum': '0',
                                                                    'optional': 1,
                                                                    'type': 'number'},
                                                          'default': {'description': 'default '
                                                                                     'bandwidth '
                                                                                     'limit in '
                                                                                     'KiB/s',
                                                                      'format_description': 'LIMIT',
                                                                      'minimum': '0',
                                                                      'optional': 1,
                                                                      'type': 'number'},
                                                          'migration': {'description': 'bandwidth '
                                                                                       'limit in '
                                                                                       'KiB/s for '
                                                                                       'migrating '
                                                                                       'guests '
                                                                                       '(including '
                                                                                       'moving '
                                                                                       'local '
                                                                                       'disks)',
                                                                        'format_description': 'LIMIT',
                                                                        'minimum': '0',
                                                                        'optional': 1,
                                                                        'type': 'number'},
                                                          'move': {'description': 'bandwidth limit '
                                                                                  'in KiB/s for '
                                                                                  'moving disks',
                                                                   'format_description': 'LIMIT',
                                                                   'minimum': '0',
                                                                   'optional': 1,
                                                                   'type': 'number'},
                                                          'restore': {'description': 'bandwidth '
                                                                                     'limit in '
                                                                                     'KiB/s for '
                                                                                     'restoring '
                                                                                     'guests from '
                                                                                     'backups',
                                                                      'format_description': 'LIMIT',
                                                                      'minimum': '0',
                                                                      'optional': 1,
                                                                      'type': 'number'}},
                                               'optional': 1,
                                               'type': 'string'},
                                   'comstar_hg': {'description': 'host group for comstar views',
                                                  'optional': 1,
                                                  'type': 'string'},
                                   'comstar_tg': {'description': 'target group for comstar views',
                                                  'optional': 1,
                                                  'type': 'string'},
                                   'content': {'description': 'Allowed content types.\n'
                                                              '\n'
                                                              "NOTE: the value 'rootdir' is used "
                                                              "for Containers, and value 'images' "
                                                              'for VMs.\n',
                                               'format': 'pve-storage-content-list',
                                               'optional': 1,
                                               'type': 'string'},
                                   'content-dirs': {'description': 'Overrides for default content '
                                                                   'type directories.',
                                                    'format': 'pve-dir-override-list',
                                                    'optional': 1,
                                                    'type': 'string'},
                                   'create-base-path': {'default': 'yes',
                                                        'description': 'Create the base directory '
                                                                       "if it doesn't exist.",
                                                        'optional': 1,
                                                        'type': 'boolean'},
                                   'create-subdirs': {'default': 'yes',
                                                      'description': 'Populate the directory with '
                                                                     'the default structure.',
                                                      'optional': 1,
                                                      'type': 'boolean'},
                                   'data-pool': {'description': 'Data Pool (for erasure coding '
                                                                'only)',
                                                 'optional': 1,
                                                 'type': 'string'},
                                   'delete': {'description': 'A list of settings you want to '
                                                             'delete.',
                                              'format': 'pve-configid-list',
                                              'maxLength': 4096,
                                              'optional': 1,
                                              'type': 'string'},
                                   'digest': {'description': 'Prevent changes if current '
                                                             'configuration file has a different '
                                                             'digest. This can be used to prevent '
                                                             'concurrent modifications.',
                                              'maxLength': 64,
                                              'optional': 1,
                                              'type': 'string'},
                                   'disable': {'description': 'Flag to disable the storage.',
                                               'optional': 1,
                                               'type': 'boolean'},
                                   'domain': {'description': 'CIFS domain.',
                                              'maxLength': 256,
                                              'optional': 1,
                                              'type': 'string'},
                                   'encryption-key': {'description': 'Encryption key. Use '
                                                                     "'autogen' to generate one "
                                                                     'automatically without '
                                                                     'passphrase.',
                                                      'optional': 1,
                                                      'type': 'string'},
                                   'fingerprint': {'description': 'Certificate SHA 256 '
                                                                  'fingerprint.',
                                                   'optional': 1,
                                                   'pattern': '([A-Fa-f0-9]{2}:){31}[A-Fa-f0-9]{2}',
                                                   'type': 'string'},
                                   'format': {'description': 'Default image format.',
                                              'enum': ['raw', 'qcow2', 'subvol', 'vmdk'],
                                              'optional': 1,
                                              'type': 'string'},
                                   'fs-name': {'description': 'The Ceph filesystem name.',
                                               'format': 'pve-configid',
                                               'optional': 1,
                                               'type': 'string'},
                                   'fuse': {'description': 'Mount CephFS through FUSE.',
                                            'optional': 1,
                                            'type': 'boolean'},
                                   'is_mountpoint': {'default': 'no',
                                                     'description': 'Assume the given path is an '
                                                                    'externally managed mountpoint '
                                                                    'and consider the storage '
                                                                    'offline if it is not mounted. '
                                                                    'Using a boolean (yes/no) '
                                                                    'value serves as a shortcut to '
                                                                    'using the target path in this '
                                                                    'field.',
                                                     'optional': 1,
                                                     'type': 'string'},
                                   'keyring': {'description': 'Client keyring contents (for '
                                                              'external clusters).',
                                               'optional': 1,
                                               'type': 'string'},
                                   'krbd': {'default': 0,
                                            'description': 'Always access rbd through krbd kernel '
                                                           'module.',
                                            'optional': 1,
                                            'type': 'boolean'},
                                   'lio_tpg': {'description': 'target portal group for Linux LIO '
                                                              'targets',
                                               'optional': 1,
                                               'type': 'string'},
                                   'master-pubkey': {'description': 'Base64-encoded, PEM-formatted '
                                                                    'public RSA key. Used to '
                                                                    'encrypt a copy of the '
                                                                    'encryption-key which will be '
                                                                    'added to each encrypted '
                                                                    'backup.',
                                                     'optional': 1,
                                                     'type': 'string'},
                                   'max-protected-backups': {'default': 'Unlimited for users with '
                                                                        'Datastore.Allocate '
                                                                        'privilege, 5 for other '
                                                                        'users',
                                                             'description': 'Maximal number of '
                                                                            'protected backups per '
                                                                            "guest. Use '-1' for "
                                                                            'unlimited.',
                                                             'minimum': -1,
                                                             'optional': 1,
                                                             'type': 'integer'},
                                   'mkdir': {'default': 'yes',
                                             'description': "Create the directory if it doesn't "
                                                            'exist and populate it with default '
                                                            'sub-dirs. NOTE: Deprecated, use the '
                                                            "'create-base-path' and "
                                                            "'create-subdirs' options instead.",
                                             'optional': 1,
                                             'type': 'boolean'},
                                   'monhost': {'description': 'IP addresses of monitors (for '
                                                              'external clusters).',
                                               'format': 'pve-storage-portal-dns-list',
                                               'optional': 1,
                                               'type': 'string'},
                                   'mountpoint': {'description': 'mount point',
                                                  'format': 'pve-storage-path',
                                                  'optional': 1,
                                                  'type': 'string'},
                                   'namespace': {'description': 'Namespace.',
                                                 'optional': 1,
                                                 'type': 'string'},
                                   'nocow': {'default': 0,
                                             'description': 'Set the NOCOW flag on files. Disables '
                                                            'data checksumming and causes data '
                                                            'errors to be unrecoverable from while '
                                                            'allowing direct I/O. Only use this if '
                                                            'data does not need to be any more '
                                                            'safe than on a single ext4 formatted '
                                                            'disk with no underlying raid system.',
                                             'optional': 1,
                                             'type': 'boolean'},
                                   'nodes': {'description': 'List of nodes for which the storage '
                                                            'configuration applies.',
                                             'format': 'pve-node-list',
                                             'optional': 1,
                                             'type': 'string'},
                                   'nowritecache': {'description': 'disable write caching on the '
                                                                   'target',
                                                    'optional': 1,
                                                    'type': 'boolean'},
                                   'options': {'description': "NFS/CIFS mount options (see 'man "
                                                              "nfs' or 'man mount.cifs')",
                                               'format': 'pve-storage-options',
                                               'optional': 1,
                                               'type': 'string'},
                                   'password': {'description': 'Password for accessing the '
                                                               'share/datastore.',
                                                'maxLength': 256,
                                                'optional': 1,
                                                'type': 'string'},
                                   'pool': {'description': 'Pool.',
                                            'optional': 1,
                                            'type': 'string'},
                                   'port': {'description': 'Use this port to connect to the '
                                                           'storage instead of the default one '
                                                           '(for example, with PBS or ESXi). For '
                                                           "NFS and CIFS, use the 'options' option "
                                                           'to configure the port via the mount '
                                                           'options.',
                                            'maximum': 65535,
                                            'minimum': 1,
                                            'optional': 1,
                                            'type': 'integer'},
                                   'preallocation': {'default': 'metadata',
                                                     'description': 'Preallocation mode for raw '
                                                                    'and qcow2 images. Using '
                                                                    "'metadata' on raw images "
                                                                    'results in preallocation=off.',
                                                     'enum': ['off', 'metadata', 'falloc', 'full'],
                                                     'optional': 1,
                                                     'type': 'string'},
                                   'prune-backups': {'description': 'The retention options with '
                                                                    'shorter intervals are '
                                                                    'processed first with '
                                                                    '--keep-last being the very '
                                                                    'first one. Each option covers '
                                                                    'a specific period of time. We '
                                                                    'say that backups within this '
                                                                    'period are covered by this '
                                                                    'option. The next option does '
                                                                    'not take care of already '
                                                                    'covered backups and only '
                                                                    'considers older backups.',
                                                     'format': 'prune-backups',
                                                     'optional': 1,
                                                     'type': 'string',
                                                     'typetext': '[keep-all=<1|0>] '
                                                                 '[,keep-daily=<N>] '
                                                                 '[,keep-hourly=<N>] '
                                                                 '[,keep-last=<N>] '
                                                                 '[,keep-monthly=<N>] '
                                                                 '[,keep-weekly=<N>] '
                                                                 '[,keep-yearly=<N>]'},
                                   'saferemove': {'description': 'Zero-out data when removing LVs.',
                                                  'optional': 1,
                                                  'type': 'boolean'},
                                   'saferemove-stepsize': {'default': 32,
                                                           'description': 'Wipe step size in MiB. '
                                                                          'It will be capped to '
                                                                          'the maximum supported '
                                                                          'by the storage.',
                                                           'enum': ['1', '2', '4', '8', '16', '32'],
                                                           'optional': 1,
                                                           'type': 'integer'},
                                   'saferemove_throughput': {'description': 'Wipe throughput '
                                                                            '(cstream -t parameter '
                                                                            'value).',
                                                             'optional': 1,
                                                             'type': 'string'},
                                   'server': {'description': 'Server IP or DNS name.',
                                              'format': 'pve-storage-server',
                                              'optional': 1,
                                              'type': 'string'},
                                   'shared': {'description': 'Indicate that this is a single '
                                                             'storage with the same contents on '
                                                             'all nodes (or all listed in the '
                                                             "'nodes' option). It will not make "
                                                             'the contents of a local storage '
                                                             'automatically accessible to other '
                                                             'nodes, it just marks an already '
                                                             'shared storage as such!',
                                              'optional': 1,
                                              'type': 'boolean'},
                                   'skip-cert-verification': {'default': 'false',
                                                              'description': 'Disable TLS '
                                                                             'certificate '
                                                                             'verification, only '
                                                                             'enable on fully '
                                                                             'trusted networks!',
                                                              'optional': 1,
                                                              'type': 'boolean'},
                                   'smbversion': {'default': 'default',
                                                  'description': "SMB protocol version. 'default' "
                                                                 'if not set, negotiates the '
                                                                 'highest SMB2+ version supported '
                                                                 'by both the client and server.',
                                                  'enum': ['default',
                                                           '2.0',
                                                           '2.1',
                                                           '3',
                                                           '3.0',
                                                           '3.11'],
                                                  'optional': 1,
                                                  'type': 'string'},
                                   'snapshot-as-volume-chain': {'default': 0,
                                                                'description': 'Enable support for '
                                                                               'creating '
                                                                               'storage-vendor '
                                                                               'agnostic snapshot '
                                                                               'through volume '
                                                                               'backing-chains.',
                                                                'optional': 1,
                                                                'type': 'boolean'},
                                   'sparse': {'description': 'use sparse volumes',
                                              'optional': 1,
                                              'type': 'boolean'},
                                   'storage': {'description': 'The storage identifier.',
                                               'format': 'pve-storage-id',
                                               'format_description': 'storage ID',
                                               'type': 'string'},
                                   'subdir': {'description': 'Subdir to mount.',
                                              'format': 'pve-storage-path',
                                              'optional': 1,
                                              'type': 'string'},
                                   'tagged_only': {'description': 'Only use logical volumes tagged '
                                                                  "with 'pve-vm-ID'.",
                                                   'optional': 1,
                                                   'type': 'boolean'},
                                   'username': {'description': 'RBD Id.',
                                                'optional': 1,
                                                'type': 'string'},
                                   'zfs-base-path': {'description': 'Base path where to look for '
                                                                    'the created ZFS block '
                                                                    'devices. Set automatically '
                                                                    'during creation if not '
                                                                    'specified. Usually '
                                                                    "'/dev/zvol'.",
                                                     'format': 'pve-storage-path',
                                                     'optional': 1,
                                                     'type': 'string'}},
                    'type': 'object'},
     'returns': {'properties': {'config': {'additionalProperties': 1,
                                           'description': 'Partial, possibly server generated, '
                                                          'configuration properties.',
                                           'optional': 1,
                                           'properties': {'encryption-key': {'description': 'The, '
                                                                                            'possibly '
                                                                                            'auto-generated, '
                                                                                            'encryption-key.',
                                                                             'optional': 1,
                                                                             'type': 'string'}},
                                           'type': 'object'},
                                'storage': {'description': 'The ID of the created storage.',
                                            'type': 'string'},
                                'type': {'description': 'The type of the created storage.',
                                         'enum': ['btrfs',
                                                  'cephfs',
                                                  'cifs',
                                                  'dir',
                                                  'esxi',
                                                  'iscsi',
                                                  'iscsidirect',
                                                  'lvm',
                                                  'lvmthin',
                                                  'nfs',
                                                  'pbs',
                                                  'rbd',
                                                  'zfs',
                                                  'zfspool'],
                                         'type': 'string'}},
                 'type': 'object'}},
    ('/storage/{storage}', 'DELETE'): {'name': 'delete',
     'description': 'Delete storage configuration.',
     'permissions': {'check': ['perm', '/storage', ['Datastore.Allocate']]},
     'protected': 1,
     'allowtoken': 1,
     'parameters': {'additionalProperties': 0,
                    'properties': {'storage': {'description': 'The storage identifier.',
                                               'format': 'pve-storage-id',
                                               'format_description': 'storage ID',
                                               'type': 'string'}}},
     'returns': {'type': 'null'}},
    ('/nodes/{node}/storage', 'GET'): {'name': 'index',
     'description': 'Get status for all datastores.',
     'permissions': {'description': "Only list entries where you have 'Datastore.Audit' or "
                                    "'Datastore.AllocateSpace' permissions on '/storage/<storage>'",
                     'user': 'all'},
     'protected': 1,
     'proxyto': 'node',
     'allowtoken': 1,
     'parameters': {'additionalProperties': 0,
                    'properties': {'content': {'description': 'Only list stores which support this '
                                                              'content type.',
                                               'format': 'pve-storage-content-list',
                                               'optional': 1,
                                               'type': 'string'},
                                   'enabled': {'default': 0,
                                               'description': 'Only list stores which are enabled '
                                                              '(not disabled in config).',
                                               'optional': 1,
                                               'type': 'boolean'},
                                   'format': {'default': 0,
                                              'description': 'Include information about formats',
                                              'optional': 1,
                                              'type': 'boolean'},
                                   'node': {'description': 'The cluster node name.',
                                            'format': 'pve-node',
                                            'type': 'string'},
                                   'storage': {'description': 'Only list status for  specified '
                                                              'storage',
                                               'format': 'pve-storage-id',
                                               'format_description': 'storage ID',
                                               'optional': 1,
                                               'type': 'string'},
                                   'target': {'description': "If target is different to 'node', we "
                                                             'only lists shared storages which '
                                                             "content is accessible on this 'node' "
                                                             "and the specified 'target' node.",
                                              'format': 'pve-node',
                                              'optional': 1,
                                              'type': 'string'}}},
     'returns': {'items': {'properties': {'active': {'description': 'Set when storage is '
                                                                    'accessible.',
                                                     'optional': 1,
                                                     'type': 'boolean'},
                                          'avail': {'description': 'Available storage space in '
                                                                   'bytes.',
                                                    'optional': 1,
                                                    'renderer': 'bytes',
                                                    'type': 'integer'},
                                          'content': {'description': 'Allowed storage content '
                                                                     'types.',
                                                      'format': 'pve-storage-content-list',
                                                      'type': 'string'},
                                          'enabled': {'description': 'Set when storage is enabled '
                                                                     '(not disabled).',
                                                      'optional': 1,
                                                      'type': 'boolean'},
                                          'formats': {'description': 'Lists the supported and '
                                                                     'default format. Use '
                                                                     "'formats' instead. Only "
                                                                     "included if 'format' "
                                                                     'parameter is set.',
                                                      'optional': 1,
                                                      'properties': {'default': {'description': 'The '
                                                                                                'default '
                                                                                                'format '
                                                                                                'of '
                                                                                                'the '
                                                                                                'storage.',
                                                                                 'enum': ['qcow2',
                                                                                          'raw',
                                                                                          'subvol',
                                                                                          'vmdk'],
                                                                                 'type': 'string'},
                                                                     'supported': {'description': 'The '
                                                                                                  'list '
                                                                                                  'of '
                                                                                                  'supported '
                                                                                                  'formats',
                                                                                   'items': {'enum': ['qcow2',
                                                                                                      'raw',
                                                                                                      'subvol',
                                                                                                      'vmdk'],
                                                                                             'type': 'string'},
                                                                                   'type': 'array'}},
                                                      'type': 'object'},
                                          'select_existing': {'description': 'Instead of creating '
                                                                             'new volumes, one '
                                                                             'must select one that '
                                                                             'is already existing. '
                                                                             'Only included if '
                                                                             "'format' parameter "
                                                                             'is set.',
                                                              'optional': 1,
                                                              'type': 'boolean'},
                                          'shared': {'description': 'Shared flag from storage '
                                                                    'configuration.',
                                                     'optional': 1,
                                                     'type': 'boolean'},
                                          'storage': {'description': 'The storage identifier.',
                                                      'format': 'pve-storage-id',
                                                      'format_description': 'storage ID',
                                                      'type': 'string'},
                                          'total': {'description': 'Total storage space in bytes.',
                                                    'optional': 1,
                                                    'renderer': 'bytes',
                                                    'type': 'integer'},
                                          'type': {'description': 'Storage type.',
                                                   'type': 'string'},
                                          'used': {'description': 'Used storage space in bytes.',
                                                   'optional': 1,
                                                   'renderer': 'bytes',
                                                   'type': 'integer'},
                                          'used_fraction': {'description': 'Used fraction '
                                                                           '(used/total).',
                                                            'optional': 1,
                                                            'renderer': 'fraction_as_percentage',
                                                            'type': 'number'}},
                           'type': 'object'},
                 'links': [{'href': '{storage}', 'rel': 'child'}],
                 'type': 'array'}},
    ('/nodes/{node}/storage/{storage}', 'GET'): {'name': 'diridx',
     'description': '',
     'permissions': {'check': ['perm',
                               '/storage/{storage}',
                               ['Datastore.Audit', 'Datastore.AllocateSpace'],
                               'any',
                               1]},
     'allowtoken': 1,
     'parameters': {'additionalProperties': 0,
                    'properties': {'node': {'description': 'The cluster node name.',
                                            'format': 'pve-node',
                                            'type': 'string'},
                                   'storage': {'description': 'The storage identifier.',
                                               'format': 'pve-storage-id',
                                               'format_description': 'storage ID',
                                               'type': 'string'}}},
     'returns': {'items': {'properties': {'subdir': {'type': 'string'}}, 'type': 'object'},
                 'links': [{'href': '{subdir}', 'rel': 'child'}],
                 'type': 'array'}},
    ('/nodes/{node}/storage/{storage}/status', 'GET'): {'name': 'read_status',
     'description': 'Read storage status.',
     'permissions': {'check': ['perm',
                               '/storage/{storage}',
                               ['Datastore.Audit', 'Datastore.AllocateSpace'],
                               'any',
                               1]},
     'protected': 1,
     'proxyto': 'node',
     'allowtoken': 1,
     'parameters': {'additionalProperties': 0,
                    'properties': {'node': {'description': 'The cluster node name.',
                                            'format': 'pve-node',
                                            'type': 'string'},
                                   'storage': {'description': 'The storage identifier.',
                                               'format': 'pve-storage-id',
                                               'format_description': 'storage ID',
                                               'type': 'string'}}},
     'returns': {'properties': {'active': {'description': 'Set when storage is accessible.',
                                           'optional': 1,
                                           'type': 'boolean'},
                                'avail': {'description': 'Available storage space in bytes.',
                                          'optional': 1,
                                          'renderer': 'bytes',
                                          'type': 'integer'},
                                'content': {'description': 'Allowed storage content types.',
                                            'format': 'pve-storage-content-list',
                                            'type': 'string'},
                                'enabled': {'description': 'Set when storage is enabled (not '
                                                           'disabled).',
                                            'optional': 1,
                                            'type': 'boolean'},
                                'shared': {'description': 'Shared flag from storage configuration.',
                                           'optional': 1,
                                           'type': 'boolean'},
                                'total': {'description': 'Total storage space in bytes.',
                                          'optional': 1,
                                          'renderer': 'bytes',
                                          'type': 'integer'},
                                'type': {'description': 'Storage type.', 'type': 'string'},
                                'used': {'description': 'Used storage space in bytes.',
                                         'optional': 1,
                                         'renderer': 'bytes',
                                         'type': 'integer'}},
                 'type': 'object'}},
    ('/nodes/{node}/storage/{storage}/content', 'GET'): {'name': 'index',
     'description': 'List storage content.',
     'permissions': {'check': ['perm',
                               '/storage/{storage}',
                               ['Datastore.Audit', 'Datastore.AllocateSpace'],
                               'any',
                               1]},
     'protected': 1,
     'proxyto': 'node',
     'allowtoken': 1,
     'parameters': {'additionalProperties': 0,
                    'properties': {'content': {'description': 'Only list content of this type.',
                                               'format': 'pve-storage-content',
                                               'optional': 1,
                                               'type': 'string'},
                                   'node': {'description': 'The cluster node name.',
                                            'format': 'pve-node',
                                            'type': 'string'},
                                   'storage': {'description': 'The storage identifier.',
                                               'format': 'pve-storage-id',
                                               'format_description': 'storage ID',
                                               'type': 'string'},
                                   'vmid': {'description': 'Only list images for this VM',
                                            'format': 'pve-vmid',
                                            'maximum': 999999999,
                                            'minimum': 100,
                                            'optional': 1,
                                            'type': 'integer'}}},
     'returns': {'items': {'properties': {'ctime': {'description': 'Creation time (seconds since '
                                                                   'the UNIX Epoch).',
                                                    'minimum': 0,
                                                    'optional': 1,
                                                    'type': 'integer'},
                                          'encrypted': {'description': 'If whole backup is '
                                                                       'encrypted, value is the '
                                                                       "fingerprint or '1'  if "
                                                                       'encrypted. Only useful for '
                                                                       'the Proxmox Backup Server '
                                                                       'storage type.',
                                                        'optional': 1,
                                                        'type': 'string'},
                                          'format': {'description': "Format identifier ('raw', "
                                                                    "'qcow2', 'subvol', 'iso', "
                                                                    "'tgz' ...)",
                                                     'type': 'string'},
                                          'notes': {'description': 'Optional notes. If they '
                                                                   'contain multiple lines, only '
                                                                   'the first one is returned '
                                                                   'here.',
                                                    'optional': 1,
                                                    'type': 'string'},
                                          'parent': {'description': 'Volume identifier of parent '
                                                                    '(for linked cloned).',
                                                     'optional': 1,
                                                     'type': 'string'},
                                          'protected': {'description': 'Protection status. '
                                                                       'Currently only supported '
                                                                       'for backups.',
                                                        'optional': 1,
                                                        'type': 'boolean'},
                                          'size': {'description': 'Volume size in bytes.',
                                                   'renderer': 'bytes',
                                                   'type': 'integer'},
                                          'used': {'description': 'Used space. Please note that '
                                                                  'most storage plugins do not '
                                                                  'report anything useful here.',
                                                   'optional': 1,
                                                   'renderer': 'bytes',
                                                   'type': 'integer'},
                                          'verification': {'description': 'Last backup '
                                                                          'verification result, '
                                                                          'only useful for PBS '
                                                                          'storages.',
                                                           'optional': 1,
                                                           'properties': {'state': {'description': 'Last '
                                                                                                   'backup '
                                                                                                   'verification '
                                                                                                   'state.',
                                                                                    'type': 'string'},
                                                                          'upid': {'description': 'Last '
                                                                                                  'backup '
                                                                                                  'verification '
                                                                                                  'UPID.',
                                                                                   'type': 'string'}},
                                                           'type': 'object'},
                                          'vmid': {'description': 'Associated Owner VMID.',
                                                   'optional': 1,
                                                   'type': 'integer'},
                                          'volid': {'description': 'Volume identifier.',
                                                    'type': 'string'}},
                           'type': 'object'},
                 'links': [{'href': '{volid}', 'rel': 'child'}],
                 'type': 'array'}},
    ('/nodes/{node}/storage/{storage}/content', 'POST'): {'name': 'create',
     'description': 'Allocate disk images.',
     'permissions': {'check': ['perm', '/storage/{storage}', ['Datastore.AllocateSpace']]},
     'protected': 1,
     'proxyto': 'node',
     'allowtoken': 1,
     'parameters': {'additionalProperties': 0,
                    'properties': {'filename': {'description': 'The name of the file to create.',
                                                'type': 'string'},
                                   'format': {'description': 'Format of the image.',
                                              'enum': ['raw', 'qcow2', 'subvol', 'vmdk'],
                                              'optional': 1,
                                              'requires': 'size',
                                              'type': 'string'},
                                   'node': {'description': 'The cluster node name.',
                                            'format': 'pve-node',
                                            'type': 'string'},
                                   'size': {'description': 'Size in kilobyte (1024 bytes). '
                                                           "Optional suffixes 'M' (megabyte, "
                                                           "1024K) and 'G' (gigabyte, 1024M)",
                                            'pattern': '\\d+[MG]?',
                                            'type': 'string'},
                                   'storage': {'description': 'The storage identifier.',
                                               'format': 'pve-storage-id',
                                               'format_description': 'storage ID',
                                               'type': 'string'},
                                   'vmid': {'description': 'Specify owner VM',
                                            'format': 'pve-vmid',
                                            'maximum': 999999999,
                                            'minimum': 100,
                                            'type': 'integer'}}},
     'returns': {'description': 'Volume identifier', 'type': 'string'}},
    ('/nodes/{node}/storage/{storage}/content/{volume}', 'GET'): {'name': 'info',
     'description': 'Get volume attributes',
     'permissions': {'description': 'You need read access for the volume.', 'user': 'all'},
     'protected': 1,
     'proxyto': 'node',
     'allowtoken': 1,
     'parameters': {'additionalProperties': 0,
                    'properties': {'node': {'description': 'The cluster node name.',
                                            'format': 'pve-node',
                                            'type': 'string'},
                                   'storage': {'description': 'The storage identifier.',
                                               'format': 'pve-storage-id',
                                               'format_description': 'storage ID',
                                               'optional': 1,
                                               'type': 'string'},
                                   'volume': {'description': 'Volume identifier',
                                              'type': 'string'}}},
     'returns': {'properties': {'format': {'description': "Format identifier ('raw', 'qcow2', "
                                                          "'subvol', 'iso', 'tgz' ...)",
                                           'type': 'string'},
                                'notes': {'description': 'Optional notes.',
                                          'optional': 1,
                                          'type': 'string'},
                                'path': {'description': 'The Path', 'type': 'string'},
                                'protected': {'description': 'Protection status. Currently only '
                                                             'supported for backups.',
                                              'optional': 1,
                                              'type': 'boolean'},
                                'size': {'description': 'Volume size in bytes.',
                                         'renderer': 'bytes',
                                         'type': 'integer'},
                                'used': {'description': 'Used space. Please note that most storage '
                                                        'plugins do not report anything useful '
                                                        'here.',
                                         'renderer': 'bytes',
                                         'type': 'integer'}},
                 'type': 'object'}},
    ('/nodes/{node}/storage/{storage}/content/{volume}', 'DELETE'): {'name': 'delete',
     'description': 'Delete volume',
     'permissions': {'description': "You need 'Datastore.Allocate' privilege on the storage (or "
                                    "'Datastore.AllocateSpace' for backup volumes if you have "
                                    'VM.Backup privilege on the VM).',
                     'user': 'all'},
     'protected': 1,
     'proxyto': 'node',
     'allowtoken': 1,
     'parameters': {'additionalProperties': 0,
                    'properties': {'delay': {'description': 'Time to wait for the task to finish. '
                                                            "We return 'null' if the task finish "
                                                            'within that time.',
                                             'maximum': 30,
                                             'minimum': 1,
                                             'optional': 1,
                                             'type': 'integer'},
                                   'node': {'description': 'The cluster node name.',
                                            'format': 'pve-node',
                                            'type': 'string'},
                                   'storage': {'description': 'The storage identifier.',
                                               'format': 'pve-storage-id',
                                               'format_description': 'storage ID',
                                               'optional': 1,
                                               'type': 'string'},
                                   'volume': {'description': 'Volume identifier',
                                              'type': 'string'}}},
     'returns': {'optional': 1, 'type': 'string'}},
    ('/nodes/{node}/storage/{storage}/upload', 'POST'): {'name': 'upload',
     'description': 'Upload templates, ISO images, OVAs and VM images.',
     'permissions': {'check': ['perm', '/storage/{storage}', ['Datastore.AllocateTemplate']]},
     'protected': 1,
     'allowtoken': 1,
     'parameters': {'additionalProperties': 0,
                    'properties': {'checksum': {'description': 'The expected checksum of the file.',
                                                'optional': 1,
                                                'requires': 'checksum-algorithm',
                                                'type': 'string'},
                                   'checksum-algorithm': {'description': 'The algorithm to '
                                                                         'calculate the checksum '
                                                                         'of the file.',
                                                          'enum': ['md5',
                                                                   'sha1',
                                                                   'sha224',
                                                                   'sha256',
                                                                   'sha384',
                                                                   'sha512'],
                                                          'optional': 1,
                                                          'requires': 'checksum',
                                                          'type': 'string'},
                                   'content': {'description': 'Content type.',
                                               'enum': ['iso', 'vztmpl', 'import'],
                                               'format': 'pve-storage-content',
                                               'type': 'string'},
                                   'filename': {'description': 'The name of the file to create. '
                                                               'Caution: This will be normalized!',
                                                'maxLength': 255,
                                                'type': 'string'},
                                   'node': {'description': 'The cluster node name.',
                                            'format': 'pve-node',
                                            'type': 'string'},
                                   'storage': {'description': 'The storage identifier.',
                                               'format': 'pve-storage-id',
                                               'format_description': 'storage ID',
                                               'type': 'string'},
                                   'tmpfilename': {'description': 'The source file name. This '
                                                                  'parameter is usually set by the '
                                                                  'REST handler. You can only '
                                                                  'overwrite it when connecting to '
                                                                  'the trusted port on localhost.',
                                                   'optional': 1,
                                                   'pattern': '/var/tmp/pveupload-[0-9a-f]+',
                                                   'type': 'string'}}},
     'returns': {'type': 'string'}},
}
