"""Proxmox's declarations of the /access endpoints, as apidata.json has them.

Generated with ``tools/extract_schema.py`` (one entry per method); edit
only to follow upstream.  :func:`pve.api.tree.declare` registers a handler
under one of these.
"""

# flake8: noqa: E501

DECLS = {
    ('/access', 'GET'): {'name': 'index',
     'description': 'Directory index.',
     'permissions': {'user': 'all'},
     'allowtoken': 1,
     'parameters': {'additionalProperties': 0, 'properties': {}},
     'returns': {'items': {'properties': {'subdir': {'type': 'string'}}, 'type': 'object'},
                 'links': [{'href': '{subdir}', 'rel': 'child'}],
                 'type': 'array'}},
    ('/access/ticket', 'GET'): {'name': 'get_ticket',
     'description': 'Dummy. Useful for formatters which want to provide a login page.',
     'permissions': {'user': 'world'},
     'allowtoken': 1,
     'parameters': {'additionalProperties': 0, 'properties': {}},
     'returns': {'type': 'null'}},
    ('/access/ticket', 'POST'): {'name': 'create_ticket',
     'description': 'Create or verify authentication ticket.',
     'permissions': {'description': 'You need to pass valid credientials.', 'user': 'world'},
     'protected': 1,
     'allowtoken': 0,
     'parameters': {'additionalProperties': 0,
                    'properties': {'new-format': {'default': 1,
                                                  'description': 'This parameter is now ignored '
                                                                 'and assumed to be 1.',
                                                  'optional': 1,
                                                  'type': 'boolean'},
                                   'otp': {'description': 'One-time password for Two-factor '
                                                          'authentication.',
                                           'optional': 1,
                                           'type': 'string'},
                                   'password': {'description': 'The secret password. This can also '
                                                               'be a valid ticket.',
                                                'type': 'string'},
                                   'path': {'description': 'Verify ticket, and check if user have '
                                                           "access 'privs' on 'path'",
                                            'maxLength': 64,
                                            'optional': 1,
                                            'requires': 'privs',
                                            'type': 'string'},
                                   'privs': {'description': 'Verify ticket, and check if user have '
                                                            "access 'privs' on 'path'",
                                             'format': 'pve-priv-list',
                                             'maxLength': 64,
                                             'optional': 1,
                                             'requires': 'path',
                                             'type': 'string'},
                                   'realm': {'description': 'You can optionally pass the realm '
                                                            'using this parameter. Normally the '
                                                            'realm is simply added to the username '
                                                            '<username>@<realm>.',
                                             'format': 'pve-realm',
                                             'maxLength': 32,
                                             'optional': 1,
                                             'type': 'string'},
                                   'tfa-challenge': {'description': 'The signed TFA challenge '
                                                                    'string the user wants to '
                                                                    'respond to.',
                                                     'optional': 1,
                                                     'type': 'string'},
                                   'username': {'description': 'User name',
                                                'maxLength': 64,
                                                'type': 'string'}}},
     'returns': {'properties': {'CSRFPreventionToken': {'optional': 1, 'type': 'string'},
                                'clustername': {'optional': 1, 'type': 'string'},
                                'ticket': {'optional': 1, 'type': 'string'},
                                'username': {'type': 'string'}},
                 'type': 'object'}},
    ('/access/domains', 'GET'): {'name': 'index',
     'description': 'Authentication domain index.',
     'permissions': {'description': 'Anyone can access that, because we need that list for the '
                                    'login box (before the user is authenticated).',
                     'user': 'world'},
     'allowtoken': 1,
     'parameters': {'additionalProperties': 0, 'properties': {}},
     'returns': {'items': {'properties': {'comment': {'description': 'A comment. The GUI use this '
                                                                     'text when you select a '
                                                                     'domain (Realm) on the login '
                                                                     'window.',
                                                      'optional': 1,
                                                      'type': 'string'},
                                          'realm': {'type': 'string'},
                                          'tfa': {'description': 'Two-factor authentication '
                                                                 'provider.',
                                                  'enum': ['yubico', 'oath'],
                                                  'optional': 1,
                                                  'type': 'string'},
                                          'type': {'type': 'string'}},
                           'type': 'object'},
                 'links': [{'href': '{realm}', 'rel': 'child'}],
                 'type': 'array'}},
    ('/access/domains', 'POST'): {'name': 'create',
     'description': 'Add an authentication server.',
     'permissions': {'check': ['perm', '/access/realm', ['Realm.Allocate']]},
     'protected': 1,
     'allowtoken': 1,
     'parameters': {'additionalProperties': 0,
                    'properties': {'acr-values': {'description': 'Specifies the Authentication '
                                                                 'Context Class Reference values '
                                                                 'that theAuthorization Server is '
                                                                 'being requested to use for the '
                                                                 'Auth Request.',
                                                  'optional': 1,
                                                  'pattern': '^[^\\x00-\\x1F\\x7F <>#"]*$',
                                                  'type': 'string'},
                                   'autocreate': {'default': 0,
                                                  'description': 'Automatically create users if '
                                                                 'they do not exist.',
                                                  'optional': 1,
                                                  'type': 'boolean'},
                                   'base_dn': {'description': 'LDAP base domain name',
                                               'maxLength': 256,
                                               'optional': 1,
                                               'type': 'string'},
                                   'bind_dn': {'description': 'LDAP bind domain name',
                                               'maxLength': 256,
                                               'optional': 1,
                                               'type': 'string'},
                                   'capath': {'default': '/etc/ssl/certs',
                                              'description': 'Path to the CA certificate store',
                                              'optional': 1,
                                              'type': 'string'},
                                   'case-sensitive': {'default': 1,
                                                      'description': 'username is case-sensitive',
                                                      'optional': 1,
                                                      'type': 'boolean'},
                                   'cert': {'description': 'Path to the client certificate',
                                            'optional': 1,
                                            'type': 'string'},
                                   'certkey': {'description': 'Path to the client certificate key',
                                               'optional': 1,
                                               'type': 'string'},
                                   'check-connection': {'default': 0,
                                                        'description': 'Check bind connection to '
                                                                       'the server.',
                                                        'optional': 1,
                                                        'type': 'boolean'},
                                   'client-id': {'description': 'OpenID Client ID',
                                                 'maxLength': 256,
                                                 'optional': 1,
                                                 'type': 'string'},
                                   'client-key': {'description': 'OpenID Client Key',
                                                  'maxLength': 256,
                                                  'optional': 1,
                                                  'type': 'string'},
                                   'comment': {'description': 'Description.',
                                               'maxLength': 4096,
                                               'optional': 1,
                                               'type': 'string'},
                                   'default': {'description': 'Use this as default realm',
                                               'optional': 1,
                                               'type': 'boolean'},
                                   'domain': {'description': 'AD domain name',
                                              'maxLength': 256,
                                              'optional': 1,
                                              'pattern': '\\S+',
                                              'type': 'string'},
                                   'filter': {'description': 'LDAP filter for user sync.',
                                              'maxLength': 2048,
                                              'optional': 1,
                                              'type': 'string'},
                                   'group_classes': {'default': 'groupOfNames, group, '
                                                                'univentionGroup, ipausergroup',
                                                     'description': 'The objectclasses for groups.',
                                                     'format': 'ldap-simple-attr-list',
                                                     'optional': 1,
                                                     'type': 'string'},
                                   'group_dn': {'description': 'LDAP base domain name for group '
                                                               'sync. If not set, the base_dn will '
                                                               'be used.',
                                                'maxLength': 256,
                                                'optional': 1,
                                                'type': 'string'},
                                   'group_filter': {'description': 'LDAP filter for group sync.',
                                                    'maxLength': 2048,
                                                    'optional': 1,
                                                    'type': 'string'},
                                   'group_name_attr': {'description': 'LDAP attribute representing '
                                                                      'a groups name. If not set '
                                                                      'or found, the first value '
                                                                      'of the DN will be used as '
                                                                      'name.',
                                                       'format': 'ldap-simple-attr',
                                                       'maxLength': 256,
                                                       'optional': 1,
                                                       'type': 'string'},
                                   'groups-autocreate': {'default': 0,
                                                         'description': 'Automatically create '
                                                                        'groups if they do not '
                                                                        'exist.',
                                                         'optional': 1,
                                                         'type': 'boolean'},
                                   'groups-claim': {'description': 'OpenID claim used to retrieve '
                                                                   'groups with.',
                                                    'maxLength': 256,
                                                    'optional': 1,
                                                    'pattern': '(?^:[A-Za-z0-9\\.\\-_]+)',
                                                    'type': 'string'},
                                   'groups-overwrite': {'default': 0,
                                                        'description': 'All groups will be '
                                                                       'overwritten for the user '
                                                                       'on login.',
                                                        'optional': 1,
                                                        'type': 'boolean'},
                                   'issuer-url': {'description': 'OpenID Issuer Url',
                                                  'maxLength': 256,
                                                  'optional': 1,
                                                  'type': 'string'},
                                   'mode': {'default': 'ldap',
                                            'description': 'LDAP protocol mode.',
                                            'enum': ['ldap', 'ldaps', 'ldap+starttls'],
                                            'optional': 1,
                                            'type': 'string'},
                                   'password': {'description': 'LDAP bind password. Will be stored '
                                                               'in '
                                                               "'/etc/pve/priv/realm/<REALM>.pw'.",
                                                'optional': 1,
                                                'type': 'string'},
                                   'port': {'description': 'Server port.',
                                            'maximum': 65535,
                                            'minimum': 1,
                                            'optional': 1,
                                            'type': 'integer'},
                                   'prompt': {'description': 'Specifies whether the Authorization '
                                                             'Server prompts the End-User for '
                                                             'reauthentication and consent.',
                                              'optional': 1,
                                              'pattern': '(?:none|login|consent|select_account|\\S+)',
                                              'type': 'string'},
                                   'query-userinfo': {'default': 1,
                                                      'description': 'Enables querying the '
                                                                     'userinfo endpoint for claims '
                                                                     'values.',
                                                      'optional': 1,
                                                      'type': 'boolean'},
                                   'realm': {'description': 'Authentication domain ID',
                                             'format': 'pve-realm',
                                             'maxLength': 32,
                                             'type': 'string'},
                                   'scopes': {'default': 'email profile',
                                              'description': 'Specifies the scopes (user details) '
                                                             'that should be authorized and '
                                                             "returned, for example 'email' or "
                                                             "'profile'.",
                                              'optional': 1,
                                              'type': 'string'},
                                   'secure': {'description': 'Use secure LDAPS protocol. '
                                                             "DEPRECATED: use 'mode' instead.",
                                              'optional': 1,
                                              'type': 'boolean'},
                                   'server1': {'description': 'Server IP address (or DNS name)',
                                               'format': 'address',
                                               'maxLength': 256,
                                               'optional': 1,
                                               'type': 'string'},
                                   'server2': {'description': 'Fallback Server IP address (or DNS '
                                                              'name)',
                                               'format': 'address',
                                               'maxLength': 256,
                                               'optional': 1,
                                               'type': 'string'},
                                   'sslversion': {'description': "LDAPS TLS/SSL version. It's not "
                                                                 'recommended to use version older '
                                                                 'than 1.2!',
                                                  'enum': ['tlsv1',
                                                           'tlsv1_1',
                                                           'tlsv1_2',
                                                           'tlsv1_3'],
                                                  'optional': 1,
                                                  'type': 'string'},
                                   'sync-defaults-options': {'description': 'The default options '
                                                                            'for behavior of '
                                                                            'synchronizations.',
                                                             'format': 'realm-sync-options',
                                                             'optional': 1,
                                                             'type': 'string',
                                                             'typetext': '[enable-new=<1|0>] '
                                                                         '[,full=<1|0>] '
                                                                         '[,purge=<1|0>] '
                                                                         '[,remove-vanished=([acl];[properties];[entry])|none] '
                                                                         '[,scope=<users|groups|both>]'},
                                   'sync_attributes': {'description': 'Comma separated list of '
                                                                      'key=value pairs for '
                                                                      'specifying which LDAP '
                                                                      'attributes map to which PVE '
                                                                      'user field. For example, to '
                                                                      'map the LDAP attribute '
                                                                      "'mail' to PVEs 'email', "
                                                                      "write  'email=mail'. By "
                                                                      'default, each PVE user '
                                                                      'field is represented  by an '
                                                                      'LDAP attribute of the same '
                                                                      'name.',
                                                       'optional': 1,
                                                       'pattern': '\\w+=[^,]+(,\\s*\\w+=[^,]+)*',
                                                       'type': 'string'},
                                   'tfa': {'description': 'Use Two-factor authentication.',
                                           'format': 'pve-tfa-config',
                                           'maxLength': 128,
                                           'optional': 1,
                                           'type': 'string',
                                           'typetext': 'type=<TFATYPE> [,digits=<COUNT>] '
                                                       '[,id=<ID>] [,key=<KEY>] [,step=<SECONDS>] '
                                                       '[,url=<URL>]'},
                                   'type': {'description': 'Realm type.',
                                            'enum': ['ad', 'ldap', 'openid', 'pam', 'pve'],
                                            'type': 'string'},
                                   'user_attr': {'description': 'LDAP user attribute name',
                                                 'maxLength': 256,
                                                 'optional': 1,
                                                 'pattern': '\\S{2,}',
                                                 'type': 'string'},
                                   'user_classes': {'default': 'inetorgperson, posixaccount, '
                                                               'person, user',
                                                    'description': 'The objectclasses for users.',
                                                    'format': 'ldap-simple-attr-list',
                                                    'optional': 1,
                                                    'type': 'string'},
                                   'username-claim': {'description': 'OpenID claim used to '
                                                                     'generate the unique '
                                                                     'username.',
                                                      'optional': 1,
                                                      'type': 'string'},
                                   'verify': {'default': 0,
                                              'description': "Verify the server's SSL certificate",
                                              'optional': 1,
                                              'type': 'boolean'}},
                    'type': 'object'},
     'returns': {'type': 'null'}},
    ('/access/domains/{realm}', 'GET'): {'name': 'read',
     'description': 'Get auth server configuration.',
     'permissions': {'check': ['perm', '/access/realm', ['Realm.Allocate', 'Sys.Audit'], 'any', 1]},
     'allowtoken': 1,
     'parameters': {'additionalProperties': 0,
                    'properties': {'realm': {'description': 'Authentication domain ID',
                                             'format': 'pve-realm',
                                             'maxLength': 32,
                                             'type': 'string'}}},
     'returns': {}},
    ('/access/domains/{realm}', 'PUT'): {'name': 'update',
     'description': 'Update authentication server settings.',
     'permissions': {'check': ['perm', '/access/realm', ['Realm.Allocate']]},
     'protected': 1,
     'allowtoken': 1,
     'parameters': {'additionalProperties': 0,
                    'properties': {'acr-values': {'description': 'Specifies the Authentication '
                                                                 'Context Class Reference values '
                                                                 'that theAuthorization Server is '
                                                                 'being requested to use for the '
                                                                 'Auth Request.',
                                                  'optional': 1,
                                                  'pattern': '^[^\\x00-\\x1F\\x7F <>#"]*$',
                                                  'type': 'string'},
                                   'autocreate': {'default': 0,
                                                  'description': 'Automatically create users if '
                                                                 'they do not exist.',
                                                  'optional': 1,
                                                  'type': 'boolean'},
                                   'base_dn': {'description': 'LDAP base domain name',
                                               'maxLength': 256,
                                               'optional': 1,
                                               'type': 'string'},
                                   'bind_dn': {'description': 'LDAP bind domain name',
                                               'maxLength': 256,
                                               'optional': 1,
                                               'type': 'string'},
                                   'capath': {'default': '/etc/ssl/certs',
                                              'description': 'Path to the CA certificate store',
                                              'optional': 1,
                                              'type': 'string'},
                                   'case-sensitive': {'default': 1,
                                                      'description': 'username is case-sensitive',
                                                      'optional': 1,
                                                      'type': 'boolean'},
                                   'cert': {'description': 'Path to the client certificate',
                                            'optional': 1,
                                            'type': 'string'},
                                   'certkey': {'description': 'Path to the client certificate key',
                                               'optional': 1,
                                               'type': 'string'},
                                   'check-connection': {'default': 0,
                                                        'description': 'Check bind connection to '
                                                                       'the server.',
                                                        'optional': 1,
                                                        'type': 'boolean'},
                                   'client-id': {'description': 'OpenID Client ID',
                                                 'maxLength': 256,
                                                 'optional': 1,
                                                 'type': 'string'},
                                   'client-key': {'description': 'OpenID Client Key',
                                                  'maxLength': 256,
                                                  'optional': 1,
                                                  'type': 'string'},
                                   'comment': {'description': 'Description.',
                                               'maxLength': 4096,
                                               'optional': 1,
                                               'type': 'string'},
                                   'default': {'description': 'Use this as default realm',
                                               'optional': 1,
                                               'type': 'boolean'},
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
                                   'domain': {'description': 'AD domain name',
                                              'maxLength': 256,
                                              'optional': 1,
                                              'pattern': '\\S+',
                                              'type': 'string'},
                                   'filter': {'description': 'LDAP filter for user sync.',
                                              'maxLength': 2048,
                                              'optional': 1,
                                              'type': 'string'},
                                   'group_classes': {'default': 'groupOfNames, group, '
                                                                'univentionGroup, ipausergroup',
                                                     'description': 'The objectclasses for groups.',
                                                     'format': 'ldap-simple-attr-list',
                                                     'optional': 1,
                                                     'type': 'string'},
                                   'group_dn': {'description': 'LDAP base domain name for group '
                                                               'sync. If not set, the base_dn will '
                                                               'be used.',
                                                'maxLength': 256,
                                                'optional': 1,
                                                'type': 'string'},
                                   'group_filter': {'description': 'LDAP filter for group sync.',
                                                    'maxLength': 2048,
                                                    'optional': 1,
                                                    'type': 'string'},
                                   'group_name_attr': {'description': 'LDAP attribute representing '
                                                                      'a groups name. If not set '
                                                                      'or found, the first value '
                                                                      'of the DN will be used as '
                                                                      'name.',
                                                       'format': 'ldap-simple-attr',
                                                       'maxLength': 256,
                                                       'optional': 1,
                                                       'type': 'string'},
                                   'groups-autocreate': {'default': 0,
                                                         'description': 'Automatically create '
                                                                        'groups if they do not '
                                                                        'exist.',
                                                         'optional': 1,
                                                         'type': 'boolean'},
                                   'groups-claim': {'description': 'OpenID claim used to retrieve '
                                                                   'groups with.',
                                                    'maxLength': 256,
                                                    'optional': 1,
                                                    'pattern': '(?^:[A-Za-z0-9\\.\\-_]+)',
                                                    'type': 'string'},
                                   'groups-overwrite': {'default': 0,
                                                        'description': 'All groups will be '
                                                                       'overwritten for the user '
                                                                       'on login.',
                                                        'optional': 1,
                                                        'type': 'boolean'},
                                   'issuer-url': {'description': 'OpenID Issuer Url',
                                                  'maxLength': 256,
                                                  'optional': 1,
                                                  'type': 'string'},
                                   'mode': {'default': 'ldap',
                                            'description': 'LDAP protocol mode.',
                                            'enum': ['ldap', 'ldaps', 'ldap+starttls'],
                                            'optional': 1,
                                            'type': 'string'},
                                   'password': {'description': 'LDAP bind password. Will be stored '
                                                               'in '
                                                               "'/etc/pve/priv/realm/<REALM>.pw'.",
                                                'optional': 1,
                                                'type': 'string'},
                                   'port': {'description': 'Server port.',
                                            'maximum': 65535,
                                            'minimum': 1,
                                            'optional': 1,
                                            'type': 'integer'},
                                   'prompt': {'description': 'Specifies whether the Authorization '
                                                             'Server prompts the End-User for '
                                                             'reauthentication and consent.',
                                              'optional': 1,
                                              'pattern': '(?:none|login|consent|select_account|\\S+)',
                                              'type': 'string'},
                                   'query-userinfo': {'default': 1,
                                                      'description': 'Enables querying the '
                                                                     'userinfo endpoint for claims '
                                                                     'values.',
                                                      'optional': 1,
                                                      'type': 'boolean'},
                                   'realm': {'description': 'Authentication domain ID',
                                             'format': 'pve-realm',
                                             'maxLength': 32,
                                             'type': 'string'},
                                   'scopes': {'default': 'email profile',
                                              'description': 'Specifies the scopes (user details) '
                                                             'that should be authorized and '
                                                             "returned, for example 'email' or "
                                                             "'profile'.",
                                              'optional': 1,
                                              'type': 'string'},
                                   'secure': {'description': 'Use secure LDAPS protocol. '
                                                             "DEPRECATED: use 'mode' instead.",
                                              'optional': 1,
                                              'type': 'boolean'},
                                   'server1': {'description': 'Server IP address (or DNS name)',
                                               'format': 'address',
                                               'maxLength': 256,
                                               'optional': 1,
                                               'type': 'string'},
                                   'server2': {'description': 'Fallback Server IP address (or DNS '
                                                              'name)',
                                               'format': 'address',
                                               'maxLength': 256,
                                               'optional': 1,
                                               'type': 'string'},
                                   'sslversion': {'description': "LDAPS TLS/SSL version. It's not "
                                                                 'recommended to use version older '
                                                                 'than 1.2!',
                                                  'enum': ['tlsv1',
                                                           'tlsv1_1',
                                                           'tlsv1_2',
                                                           'tlsv1_3'],
                                                  'optional': 1,
                                                  'type': 'string'},
                                   'sync-defaults-options': {'description': 'The default options '
                                                                            'for behavior of '
                                                                            'synchronizations.',
                                                             'format': 'realm-sync-options',
                                                             'optional': 1,
                                                             'type': 'string',
                                                             'typetext': '[enable-new=<1|0>] '
                                                                         '[,full=<1|0>] '
                                                                         '[,purge=<1|0>] '
                                                                         '[,remove-vanished=([acl];[properties];[entry])|none] '
                                                                         '[,scope=<users|groups|both>]'},
                                   'sync_attributes': {'description': 'Comma separated list of '
                                                                      'key=value pairs for '
                                                                      'specifying which LDAP '
                                                                      'attributes map to which PVE '
                                                                      'user field. For example, to '
                                                                      'map the LDAP attribute '
                                                                      "'mail' to PVEs 'email', "
                                                                      "write  'email=mail'. By "
                                                                      'default, each PVE user '
                                                                      'field is represented  by an '
                                                                      'LDAP attribute of the same '
                                                                      'name.',
                                                       'optional': 1,
                                                       'pattern': '\\w+=[^,]+(,\\s*\\w+=[^,]+)*',
                                                       'type': 'string'},
                                   'tfa': {'description': 'Use Two-factor authentication.',
                                           'format': 'pve-tfa-config',
                                           'maxLength': 128,
                                           'optional': 1,
                                           'type': 'string',
                                           'typetext': 'type=<TFATYPE> [,digits=<COUNT>] '
                                                       '[,id=<ID>] [,key=<KEY>] [,step=<SECONDS>] '
                                                       '[,url=<URL>]'},
                                   'user_attr': {'description': 'LDAP user attribute name',
                                                 'maxLength': 256,
                                                 'optional': 1,
                                                 'pattern': '\\S{2,}',
                                                 'type': 'string'},
                                   'user_classes': {'default': 'inetorgperson, posixaccount, '
                                                               'person, user',
                                                    'description': 'The objectclasses for users.',
                                                    'format': 'ldap-simple-attr-list',
                                                    'optional': 1,
                                                    'type': 'string'},
                                   'verify': {'default': 0,
                                              'description': "Verify the server's SSL certificate",
                                              'optional': 1,
                                              'type': 'boolean'}},
                    'type': 'object'},
     'returns': {'type': 'null'}},
    ('/access/domains/{realm}', 'DELETE'): {'name': 'delete',
     'description': 'Delete an authentication server.',
     'permissions': {'check': ['perm', '/access/realm', ['Realm.Allocate']]},
     'protected': 1,
     'allowtoken': 1,
     'parameters': {'additionalProperties': 0,
                    'properties': {'realm': {'description': 'Authentication domain ID',
                                             'format': 'pve-realm',
                                             'maxLength': 32,
                                             'type': 'string'}}},
     'returns': {'type': 'null'}},
    ('/access/users', 'GET'): {'name': 'index',
     'description': 'User index.',
     'permissions': {'description': 'The returned list is restricted to users where you have '
                                    "'User.Modify' or 'Sys.Audit' permissions on '/access/groups' "
                                    'or on a group the user belongs too. But it always includes '
                                    'the current (authenticated) user.',
                     'user': 'all'},
     'protected': 1,
     'allowtoken': 1,
     'parameters': {'additionalProperties': 0,
                    'properties': {'enabled': {'description': 'Optional filter for enable '
                                                              'property.',
                                               'optional': 1,
                                               'type': 'boolean'},
                                   'full': {'default': 0,
                                            'description': 'Include group and token information.',
                                            'optional': 1,
                                            'type': 'boolean'}}},
     'returns': {'items': {'properties': {'comment': {'maxLength': 2048,
                                                      'optional': 1,
                                                      'type': 'string'},
                                          'email': {'format': 'email-opt',
                                                    'maxLength': 254,
                                                    'optional': 1,
                                                    'type': 'string'},
                                          'enable': {'default': 1,
                                                     'description': 'Enable the account (default). '
                                                                    "You can set this to '0' to "
                                                                    'disable the account',
                                                     'optional': 1,
                                                     'type': 'boolean'},
                                          'expire': {'description': 'Account expiration date '
                                                                    "(seconds since epoch). '0' "
                                                                    'means no expiration date.',
                                                     'minimum': 0,
                                                     'optional': 1,
                                                     'type': 'integer'},
                                          'firstname': {'maxLength': 1024,
                                                        'optional': 1,
                                                        'type': 'string'},
                                          'groups': {'format': 'pve-groupid-list',
                                                     'optional': 1,
                                                     'type': 'string'},
                                          'keys': {'description': 'Keys for two factor auth '
                                                                  '(yubico).',
                                                   'optional': 1,
                                                   'pattern': '[0-9a-zA-Z!=]{0,4096}',
                                                   'type': 'string'},
                                          'lastname': {'maxLength': 1024,
                                                       'optional': 1,
                                                       'type': 'string'},
                                          'realm-type': {'description': 'The type of the users '
                                                                        'realm',
                                                         'format': 'pve-realm',
                                                         'optional': 1,
                                                         'type': 'string'},
                                          'tfa-locked-until': {'description': 'Contains a '
                                                                              'timestamp until '
                                                                              'when a user is '
                                                                              'locked out of 2nd '
                                                                              'factors.',
                                                               'optional': 1,
                                                               'type': 'integer'},
                                          'tokens': {'items': {'properties': {'comment': {'optional': 1,
                                                                                          'type': 'string'},
                                                                              'expire': {'default': 'same '
                                                                                                    'as '
                                                                                                    'user',
                                                                                         'description': 'API '
                                                                                                        'token '
                                                                                                        'expiration '
                                                                                                        'date '
                                                                                                        '(seconds '
                                                                                                        'since '
                                                                                                        'epoch). '
                                                                                                        "'0' "
                                                                                                        'means '
                                                                                                        'no '
                                                                                                        'expiration '
                                                                                                        'date.',
                                                                                         'minimum': 0,
                                                                                         'optional': 1,
                                                                                         'type': 'integer'},
                                                                              'privsep': {'default': 1,
                                                                                          'description': 'Restrict '
                                                                                                         'API '
                                                                                                         'token '
                                                                                                         'privileges '
                                                                                                         'with '
                                                                                                         'separate '
                                                                                                         'ACLs '
                                                                                                         '(default), '
                                                                                                         'or '
                                                                                                         'give '
                                                                                                         'full '
                                                                                                         'privileges '
                                                                                                         'of '
                                                                                                         'corresponding '
                                                                                                         'user.',
                                                                                          'optional': 1,
                                                                                          'type': 'boolean'},
                                                                              'tokenid': {'description': 'User-specific '
                                                                                                         'token '
                                                                                                         'identifier.',
                                                                                          'pattern': '(?^:[A-Za-z][A-Za-z0-9\\.\\-_]+)',
                                                                                          'type': 'string'}},
                                                               'type': 'object'},
                                                     'optional': 1,
                                                     'type': 'array'},
                                          'totp-locked': {'description': 'True if the user is '
                                                                         'currently locked out of '
                                                                         'TOTP factors.',
                                                          'optional': 1,
                                                          'type': 'boolean'},
                                          'userid': {'description': 'Full User ID, in the '
                                                                    '`name@realm` format.',
                                                     'format': 'pve-userid',
                                                     'maxLength': 64,
                                                     'type': 'string'}},
                           'type': 'object'},
                 'links': [{'href': '{userid}', 'rel': 'child'}],
                 'type': 'array'}},
    ('/access/users', 'POST'): {'name': 'create_user',
     'description': 'Create new user.',
     'permissions': {'check': ['and',
                               ['userid-param', 'Realm.AllocateUser'],
                               ['userid-group', ['User.Modify'], 'groups_param', 'create']],
                     'description': "You need 'Realm.AllocateUser' on '/access/realm/<realm>' on "
                                    "the realm of user <userid>, and 'User.Modify' permissions to "
                                    "'/access/groups/<group>' for any group specified (or "
                                    "'User.Modify' on '/access/groups' if you pass no groups."},
     'protected': 1,
     'allowtoken': 1,
     'parameters': {'additionalProperties': 0,
                    'properties': {'comment': {'maxLength': 2048, 'optional': 1, 'type': 'string'},
                                   'email': {'format': 'email-opt',
                                             'maxLength': 254,
                                             'optional': 1,
                                             'type': 'string'},
                                   'enable': {'default': 1,
                                              'description': 'Enable the account (default). You '
                                                             "can set this to '0' to disable the "
                                                             'account',
                                              'optional': 1,
                                              'type': 'boolean'},
                                   'expire': {'description': 'Account expiration date (seconds '
                                                             "since epoch). '0' means no "
                                                             'expiration date.',
                                              'minimum': 0,
                                              'optional': 1,
                                              'type': 'integer'},
                                   'firstname': {'maxLength': 1024,
                                                 'optional': 1,
                                                 'type': 'string'},
                                   'groups': {'format': 'pve-groupid-list',
                                              'optional': 1,
                                              'type': 'string'},
                                   'keys': {'description': 'Keys for two factor auth (yubico).',
                                            'optional': 1,
                                            'pattern': '[0-9a-zA-Z!=]{0,4096}',
                                            'type': 'string'},
                                   'lastname': {'maxLength': 1024, 'optional': 1, 'type': 'string'},
                                   'password': {'description': 'Initial password.',
                                                'maxLength': 64,
                                                'minLength': 8,
                                                'optional': 1,
                                                'type': 'string'},
                                   'userid': {'description': 'Full User ID, in the `name@realm` '
                                                             'format.',
                                              'format': 'pve-userid',
                                              'maxLength': 64,
                                              'type': 'string'}}},
     'returns': {'type': 'null'}},
    ('/access/users/{userid}', 'GET'): {'name': 'read_user',
     'description': 'Get user configuration.',
     'permissions': {'check': ['userid-group', ['User.Modify', 'Sys.Audit']]},
     'allowtoken': 1,
     'parameters': {'additionalProperties': 0,
                    'properties': {'userid': {'description': 'Full User ID, in the `name@realm` '
                                                             'format.',
                                              'format': 'pve-userid',
                                              'maxLength': 64,
                                              'type': 'string'}}},
     'returns': {'additionalProperties': 0,
                 'properties': {'comment': {'maxLength': 2048, 'optional': 1, 'type': 'string'},
                                'email': {'format': 'email-opt',
                                          'maxLength': 254,
                                          'optional': 1,
                                          'type': 'string'},
                                'enable': {'default': 1,
                                           'description': 'Enable the account (default). You can '
                                                          "set this to '0' to disable the account",
                                           'optional': 1,
                                           'type': 'boolean'},
                                'expire': {'description': 'Account expiration date (seconds since '
                                                          "epoch). '0' means no expiration date.",
                                           'minimum': 0,
                                           'optional': 1,
                                           'type': 'integer'},
                                'firstname': {'maxLength': 1024, 'optional': 1, 'type': 'string'},
                                'groups': {'items': {'format': 'pve-groupid', 'type': 'string'},
                                           'optional': 1,
                                           'type': 'array'},
                                'keys': {'description': 'Keys for two factor auth (yubico).',
                                         'optional': 1,
                                         'pattern': '[0-9a-zA-Z!=]{0,4096}',
                                         'type': 'string'},
                                'lastname': {'maxLength': 1024, 'optional': 1, 'type': 'string'},
                                'tokens': {'additionalProperties': {'properties': {'comment': {'optional': 1,
                                                                                               'type': 'string'},
                                                                                   'expire': {'default': 'same '
                                                                                                         'as '
                                                                                                         'user',
                                                                                              'description': 'API '
                                                                                                             'token '
                                                                                                             'expiration '
                                                                                                             'date '
                                                                                                             '(seconds '
                                                                                                             'since '
                                                                                                             'epoch). '
                                                                                                             "'0' "
                                                                                                             'means '
                                                                                                             'no '
                                                                                                             'expiration '
                                                                                                             'date.',
                                                                                              'minimum': 0,
                                                                                              'optional': 1,
                                                                                              'type': 'integer'},
                                                                                   'privsep': {'default': 1,
                                                                                               'description': 'Restrict '
                                                                                                              'API '
                                                                                                              'token '
                                                                                                              'privileges '
                                                                                                              'with '
                                                                                                              'separate '
                                                                                                              'ACLs '
                                                                                                              '(default), '
                                                                                                              'or '
                                                                                                              'give '
                                                                                                              'full '
                                                                                                              'privileges '
                                                                                                              'of '
                                                                                                              'corresponding '
                                                                                                              'user.',
                                                                                               'optional': 1,
                                                                                               'type': 'boolean'}},
                                                                    'type': 'object'},
                                           'optional': 1,
                                           'type': 'object'}},
                 'type': 'object'}},
    ('/access/users/{userid}', 'PUT'): {'name': 'update_user',
     'description': 'Update user configuration.',
     'permissions': {'check': ['userid-group', ['User.Modify'], 'groups_param', 'update']},
     'protected': 1,
     'allowtoken': 1,
     'parameters': {'additionalProperties': 0,
                    'properties': {'append': {'optional': 1,
                                              'requires': 'groups',
                                              'type': 'boolean'},
                                   'comment': {'maxLength': 2048, 'optional': 1, 'type': 'string'},
                                   'email': {'format': 'email-opt',
                                             'maxLength': 254,
                                             'optional': 1,
                                             'type': 'string'},
                                   'enable': {'default': 1,
                                              'description': 'Enable the account (default). You '
                                                             "can set this to '0' to disable the "
                                                             'account',
                                              'optional': 1,
                                              'type': 'boolean'},
                                   'expire': {'description': 'Account expiration date (seconds '
                                                             "since epoch). '0' means no "
                                                             'expiration date.',
                                              'minimum': 0,
                                              'optional': 1,
                                              'type': 'integer'},
                                   'firstname': {'maxLength': 1024,
                                                 'optional': 1,
                                                 'type': 'string'},
                                   'groups': {'format': 'pve-groupid-list',
                                              'optional': 1,
                                              'type': 'string'},
                                   'keys': {'description': 'Keys for two factor auth (yubico).',
                                            'optional': 1,
                                            'pattern': '[0-9a-zA-Z!=]{0,4096}',
                                            'type': 'string'},
                                   'lastname': {'maxLength': 1024, 'optional': 1, 'type': 'string'},
                                   'userid': {'description': 'Full User ID, in the `name@realm` '
                                                             'format.',
                                              'format': 'pve-userid',
                                              'maxLength': 64,
                                              'type': 'string'}}},
     'returns': {'type': 'null'}},
    ('/access/users/{userid}', 'DELETE'): {'name': 'delete_user',
     'description': 'Delete user.',
     'permissions': {'check': ['and',
                               ['userid-param', 'Realm.AllocateUser'],
                               ['userid-group', ['User.Modify']]]},
     'protected': 1,
     'allowtoken': 1,
     'parameters': {'additionalProperties': 0,
                    'properties': {'userid': {'description': 'Full User ID, in the `name@realm` '
                                                             'format.',
                                              'format': 'pve-userid',
                                              'maxLength': 64,
                                              'type': 'string'}}},
     'returns': {'type': 'null'}},
    ('/access/users/{userid}/token', 'GET'): {'name': 'token_index',
     'description': 'Get user API tokens.',
     'permissions': {'check': ['or', ['userid-param', 'self'], ['userid-group', ['User.Modify']]]},
     'allowtoken': 1,
     'parameters': {'additionalProperties': 0,
                    'properties': {'userid': {'description': 'Full User ID, in the `name@realm` '
                                                             'format.',
                                              'format': 'pve-userid',
                                              'maxLength': 64,
                                              'type': 'string'}}},
     'returns': {'items': {'properties': {'comment': {'optional': 1, 'type': 'string'},
                                          'expire': {'default': 'same as user',
                                                     'description': 'API token expiration date '
                                                                    "(seconds since epoch). '0' "
                                                                    'means no expiration date.',
                                                     'minimum': 0,
                                                     'optional': 1,
                                                     'type': 'integer'},
                                          'privsep': {'default': 1,
                                                      'description': 'Restrict API token '
                                                                     'privileges with separate '
                                                                     'ACLs (default), or give full '
                                                                     'privileges of corresponding '
                                                                     'user.',
                                                      'optional': 1,
                                                      'type': 'boolean'},
                                          'tokenid': {'description': 'User-specific token '
                                                                     'identifier.',
                                                      'pattern': '(?^:[A-Za-z][A-Za-z0-9\\.\\-_]+)',
                                                      'type': 'string'}},
                           'type': 'object'},
                 'links': [{'href': '{tokenid}', 'rel': 'child'}],
                 'type': 'array'}},
    ('/access/users/{userid}/token/{tokenid}', 'GET'): {'name': 'read_token',
     'description': 'Get specific API token information.',
     'permissions': {'check': ['or', ['userid-param', 'self'], ['userid-group', ['User.Modify']]]},
     'allowtoken': 1,
     'parameters': {'additionalProperties': 0,
                    'properties': {'tokenid': {'description': 'User-specific token identifier.',
                                               'pattern': '(?^:[A-Za-z][A-Za-z0-9\\.\\-_]+)',
                                               'type': 'string'},
                                   'userid': {'description': 'Full User ID, in the `name@realm` '
                                                             'format.',
                                              'format': 'pve-userid',
                                              'maxLength': 64,
                                              'type': 'string'}}},
     'returns': {'properties': {'comment': {'optional': 1, 'type': 'string'},
                                'expire': {'default': 'same as user',
                                           'description': 'API token expiration date (seconds '
                                                          "since epoch). '0' means no expiration "
                                                          'date.',
                                           'minimum': 0,
                                           'optional': 1,
                                           'type': 'integer'},
                                'privsep': {'default': 1,
                                            'description': 'Restrict API token privileges with '
                                                           'separate ACLs (default), or give full '
                                                           'privileges of corresponding user.',
                                            'optional': 1,
                                            'type': 'boolean'}},
                 'type': 'object'}},
    ('/access/users/{userid}/token/{tokenid}', 'POST'): {'name': 'generate_token',
     'description': 'Generate a new API token for a specific user. NOTE: returns API token value, '
                    'which needs to be stored as it cannot be retrieved afterwards!',
     'permissions': {'check': ['or', ['userid-param', 'self'], ['userid-group', ['User.Modify']]]},
     'protected': 1,
     'allowtoken': 1,
     'parameters': {'additionalProperties': 0,
                    'properties': {'comment': {'optional': 1, 'type': 'string'},
                                   'expire': {'default': 'same as user',
                                              'description': 'API token expiration date (seconds '
                                                             "since epoch). '0' means no "
                                                             'expiration date.',
                                              'minimum': 0,
                                              'optional': 1,
                                              'type': 'integer'},
                                   'privsep': {'default': 1,
                                               'description': 'Restrict API token privileges with '
                                                              'separate ACLs (default), or give '
                                                              'full privileges of corresponding '
                                                              'user.',
                                               'optional': 1,
                                               'type': 'boolean'},
                                   'tokenid': {'description': 'User-specific token identifier.',
                                               'pattern': '(?^:[A-Za-z][A-Za-z0-9\\.\\-_]+)',
                                               'type': 'string'},
                                   'userid': {'description': 'Full User ID, in the `name@realm` '
                                                             'format.',
                                              'format': 'pve-userid',
                                              'maxLength': 64,
                                              'type': 'string'}}},
     'returns': {'additionalProperties': 0,
                 'properties': {'full-tokenid': {'description': 'The full token id.',
                                                 'format_description': '<userid>!<tokenid>',
                                                 'type': 'string'},
                                'info': {'properties': {'comment': {'optional': 1,
                                                                    'type': 'string'},
                                                        'expire': {'default': 'same as user',
                                                                   'description': 'API token '
                                                                                  'expiration date '
                                                                                  '(seconds since '
                                                                                  "epoch). '0' "
                                                                                  'means no '
                                                                                  'expiration '
                                                                                  'date.',
                                                                   'minimum': 0,
                                                                   'optional': 1,
                                                                   'type': 'integer'},
                                                        'privsep': {'default': 1,
                                                                    'description': 'Restrict API '
                                                                                   'token '
                                                                                   'privileges '
                                                                                   'with separate '
                                                                                   'ACLs '
                                                                                   '(default), or '
                                                                                   'give full '
                                                                                   'privileges of '
                                                                                   'corresponding '
                                                                                   'user.',
                                                                    'optional': 1,
                                                                    'type': 'boolean'}},
                                         'type': 'object'},
                                'value': {'description': 'API token value used for authentication.',
                                          'type': 'string'}},
                 'type': 'object'}},
    ('/access/users/{userid}/token/{tokenid}', 'PUT'): {'name': 'update_token_info',
     'description': 'Update API token for a specific user.',
     'permissions': {'check': ['or', ['userid-param', 'self'], ['userid-group', ['User.Modify']]]},
     'protected': 1,
     'allowtoken': 1,
     'parameters': {'additionalProperties': 0,
                    'properties': {'comment': {'optional': 1, 'type': 'string'},
                                   'delete': {'description': 'A list of settings you want to '
                                                             'delete.',
                                              'format': 'pve-configid-list',
                                              'optional': 1,
                                              'type': 'string'},
                                   'expire': {'default': 'same as user',
                                              'description': 'API token expiration date (seconds '
                                                             "since epoch). '0' means no "
                                                             'expiration date.',
                                              'minimum': 0,
                                              'optional': 1,
                                              'type': 'integer'},
                                   'privsep': {'default': 1,
                                               'description': 'Restrict API token privileges with '
                                                              'separate ACLs (default), or give '
                                                              'full privileges of corresponding '
                                                              'user.',
                                               'optional': 1,
                                               'type': 'boolean'},
                                   'tokenid': {'description': 'User-specific token identifier.',
                                               'pattern': '(?^:[A-Za-z][A-Za-z0-9\\.\\-_]+)',
                                               'type': 'string'},
                                   'userid': {'description': 'Full User ID, in the `name@realm` '
                                                             'format.',
                                              'format': 'pve-userid',
                                              'maxLength': 64,
                                              'type': 'string'}}},
     'returns': {'description': 'Updated token information.',
                 'properties': {'comment': {'optional': 1, 'type': 'string'},
                                'expire': {'default': 'same as user',
                                           'description': 'API token expiration date (seconds '
                                                          "since epoch). '0' means no expiration "
                                                          'date.',
                                           'minimum': 0,
                                           'optional': 1,
                                           'type': 'integer'},
                                'privsep': {'default': 1,
                                            'description': 'Restrict API token privileges with '
                                                           'separate ACLs (default), or give full '
                                                           'privileges of corresponding user.',
                                            'optional': 1,
                                            'type': 'boolean'}},
                 'type': 'object'}},
    ('/access/users/{userid}/token/{tokenid}', 'DELETE'): {'name': 'remove_token',
     'description': 'Remove API token for a specific user.',
     'permissions': {'check': ['or', ['userid-param', 'self'], ['userid-group', ['User.Modify']]]},
     'protected': 1,
     'allowtoken': 1,
     'parameters': {'additionalProperties': 0,
                    'properties': {'tokenid': {'description': 'User-specific token identifier.',
                                               'pattern': '(?^:[A-Za-z][A-Za-z0-9\\.\\-_]+)',
                                               'type': 'string'},
                                   'userid': {'description': 'Full User ID, in the `name@realm` '
                                                             'format.',
                                              'format': 'pve-userid',
                                              'maxLength': 64,
                                              'type': 'string'}}},
     'returns': {'type': 'null'}},
    ('/access/groups', 'GET'): {'name': 'index',
     'description': 'Group index.',
     'permissions': {'description': 'The returned list is restricted to groups where you have '
                                    "'User.Modify', 'Sys.Audit'  or 'Group.Allocate' permissions "
                                    'on /access/groups/<group>.',
                     'user': 'all'},
     'allowtoken': 1,
     'parameters': {'additionalProperties': 0, 'properties': {}},
     'returns': {'items': {'properties': {'comment': {'optional': 1, 'type': 'string'},
                                          'groupid': {'format': 'pve-groupid', 'type': 'string'},
                                          'users': {'description': 'list of users which form this '
                                                                   'group',
                                                    'format': 'pve-userid-list',
                                                    'optional': 1,
                                                    'type': 'string'}},
                           'type': 'object'},
                 'links': [{'href': '{groupid}', 'rel': 'child'}],
                 'type': 'array'}},
    ('/access/groups', 'POST'): {'name': 'create_group',
     'description': 'Create new group.',
     'permissions': {'check': ['perm', '/access/groups', ['Group.Allocate']]},
     'protected': 1,
     'allowtoken': 1,
     'parameters': {'additionalProperties': 0,
                    'properties': {'comment': {'optional': 1, 'type': 'string'},
                                   'groupid': {'format': 'pve-groupid', 'type': 'string'}}},
     'returns': {'type': 'null'}},
    ('/access/groups/{groupid}', 'GET'): {'name': 'read_group',
     'description': 'Get group configuration.',
     'permissions': {'check': ['perm',
                               '/access/groups',
                               ['Sys.Audit', 'Group.Allocate'],
                               'any',
                               1]},
     'allowtoken': 1,
     'parameters': {'additionalProperties': 0,
                    'properties': {'groupid': {'format': 'pve-groupid', 'type': 'string'}}},
     'returns': {'additionalProperties': 0,
                 'properties': {'comment': {'optional': 1, 'type': 'string'},
                                'members': {'items': {'description': 'Full User ID, in the '
                                                                     '`name@realm` format.',
                                                      'format': 'pve-userid',
                                                      'maxLength': 64,
                                                      'type': 'string'},
                                            'type': 'array'}},
                 'type': 'object'}},
    ('/access/groups/{groupid}', 'PUT'): {'name': 'update_group',
     'description': 'Update group data.',
     'permissions': {'check': ['perm', '/access/groups', ['Group.Allocate']]},
     'protected': 1,
     'allowtoken': 1,
     'parameters': {'additionalProperties': 0,
                    'properties': {'comment': {'optional': 1, 'type': 'string'},
                                   'groupid': {'format': 'pve-groupid', 'type': 'string'}}},
     'returns': {'type': 'null'}},
    ('/access/groups/{groupid}', 'DELETE'): {'name': 'delete_group',
     'description': 'Delete group.',
     'permissions': {'check': ['perm', '/access/groups', ['Group.Allocate']]},
     'protected': 1,
     'allowtoken': 1,
     'parameters': {'additionalProperties': 0,
                    'properties': {'groupid': {'format': 'pve-groupid', 'type': 'string'}}},
     'returns': {'type': 'null'}},
    ('/access/roles', 'GET'): {'name': 'index',
     'description': 'Role index.',
     'permissions': {'user': 'all'},
     'allowtoken': 1,
     'parameters': {'additionalProperties': 0, 'properties': {}},
     'returns': {'items': {'properties': {'privs': {'format': 'pve-priv-list',
                                                    'optional': 1,
                                                    'type': 'string'},
                                          'roleid': {'format': 'pve-roleid', 'type': 'string'},
                                          'special': {'default': 0,
                                                      'optional': 1,
                                                      'type': 'boolean'}},
                           'type': 'object'},
                 'links': [{'href': '{roleid}', 'rel': 'child'}],
                 'type': 'array'}},
    ('/access/roles', 'POST'): {'name': 'create_role',
     'description': 'Create new role.',
     'permissions': {'check': ['perm', '/access', ['Sys.Modify']]},
     'protected': 1,
     'allowtoken': 1,
     'parameters': {'additionalProperties': 0,
                    'properties': {'privs': {'format': 'pve-priv-list',
                                             'optional': 1,
                                             'type': 'string'},
                                   'roleid': {'format': 'pve-roleid', 'type': 'string'}}},
     'returns': {'type': 'null'}},
    ('/access/roles/{roleid}', 'GET'): {'name': 'read_role',
     'description': 'Get role configuration.',
     'permissions': {'user': 'all'},
     'allowtoken': 1,
     'parameters': {'additionalProperties': 0,
                    'properties': {'roleid': {'format': 'pve-roleid', 'type': 'string'}}},
     'returns': {'additionalProperties': 0,
                 'properties': {'Datastore.Allocate': {'optional': 1, 'type': 'boolean'},
                                'Datastore.AllocateSpace': {'optional': 1, 'type': 'boolean'},
                                'Datastore.AllocateTemplate': {'optional': 1, 'type': 'boolean'},
                                'Datastore.Audit': {'optional': 1, 'type': 'boolean'},
                                'Group.Allocate': {'optional': 1, 'type': 'boolean'},
                                'Mapping.Audit': {'optional': 1, 'type': 'boolean'},
                                'Mapping.Modify': {'optional': 1, 'type': 'boolean'},
                                'Mapping.Use': {'optional': 1, 'type': 'boolean'},
                                'Permissions.Modify': {'optional': 1, 'type': 'boolean'},
                                'Pool.Allocate': {'optional': 1, 'type': 'boolean'},
                                'Pool.Audit': {'optional': 1, 'type': 'boolean'},
                                'Realm.Allocate': {'optional': 1, 'type': 'boolean'},
                                'Realm.AllocateUser': {'optional': 1, 'type': 'boolean'},
                                'SDN.Allocate': {'optional': 1, 'type': 'boolean'},
                                'SDN.Audit': {'optional': 1, 'type': 'boolean'},
                                'SDN.Use': {'optional': 1, 'type': 'boolean'},
                                'Sys.AccessNetwork': {'optional': 1, 'type': 'boolean'},
                                'Sys.Audit': {'optional': 1, 'type': 'boolean'},
                                'Sys.Console': {'optional': 1, 'type': 'boolean'},
                                'Sys.Incoming': {'optional': 1, 'type': 'boolean'},
                                'Sys.Modify': {'optional': 1, 'type': 'boolean'},
                                'Sys.PowerMgmt': {'optional': 1, 'type': 'boolean'},
                                'Sys.Syslog': {'optional': 1, 'type': 'boolean'},
                                'User.Modify': {'optional': 1, 'type': 'boolean'},
                                'VM.Allocate': {'optional': 1, 'type': 'boolean'},
                                'VM.Audit': {'optional': 1, 'type': 'boolean'},
                                'VM.Backup': {'optional': 1, 'type': 'boolean'},
                                'VM.Clone': {'optional': 1, 'type': 'boolean'},
                                'VM.Config.CDROM': {'optional': 1, 'type': 'boolean'},
                                'VM.Config.CPU': {'optional': 1, 'type': 'boolean'},
                                'VM.Config.Cloudinit': {'optional': 1, 'type': 'boolean'},
                                'VM.Config.Disk': {'optional': 1, 'type': 'boolean'},
                                'VM.Config.HWType': {'optional': 1, 'type': 'boolean'},
                                'VM.Config.Memory': {'optional': 1, 'type': 'boolean'},
                                'VM.Config.Network': {'optional': 1, 'type': 'boolean'},
                                'VM.Config.Options': {'optional': 1, 'type': 'boolean'},
                                'VM.Console': {'optional': 1, 'type': 'boolean'},
                                'VM.GuestAgent.Audit': {'optional': 1, 'type': 'boolean'},
                                'VM.GuestAgent.FileRead': {'optional': 1, 'type': 'boolean'},
                                'VM.GuestAgent.FileSystemMgmt': {'optional': 1, 'type': 'boolean'},
                                'VM.GuestAgent.FileWrite': {'optional': 1, 'type': 'boolean'},
                                'VM.GuestAgent.Unrestricted': {'optional': 1, 'type': 'boolean'},
                                'VM.Migrate': {'optional': 1, 'type': 'boolean'},
                                'VM.PowerMgmt': {'optional': 1, 'type': 'boolean'},
                                'VM.Replicate': {'optional': 1, 'type': 'boolean'},
                                'VM.Snapshot': {'optional': 1, 'type': 'boolean'},
                                'VM.Snapshot.Rollback': {'optional': 1, 'type': 'boolean'}},
                 'type': 'object'}},
    ('/access/roles/{roleid}', 'PUT'): {'name': 'update_role',
     'description': 'Update an existing role.',
     'permissions': {'check': ['perm', '/access', ['Sys.Modify']]},
     'protected': 1,
     'allowtoken': 1,
     'parameters': {'additionalProperties': 0,
                    'properties': {'append': {'optional': 1,
                                              'requires': 'privs',
                                              'type': 'boolean'},
                                   'privs': {'format': 'pve-priv-list',
                                             'optional': 1,
                                             'type': 'string'},
                                   'roleid': {'format': 'pve-roleid', 'type': 'string'}}},
     'returns': {'type': 'null'}},
    ('/access/roles/{roleid}', 'DELETE'): {'name': 'delete_role',
     'description': 'Delete role.',
     'permissions': {'check': ['perm', '/access', ['Sys.Modify']]},
     'protected': 1,
     'allowtoken': 1,
     'parameters': {'additionalProperties': 0,
                    'properties': {'roleid': {'format': 'pve-roleid', 'type': 'string'}}},
     'returns': {'type': 'null'}},
    ('/access/acl', 'GET'): {'name': 'read_acl',
     'description': 'Get Access Control List (ACLs).',
     'permissions': {'description': 'The returned list is restricted to objects where you have '
                                    'rights to modify permissions.',
                     'user': 'all'},
     'allowtoken': 1,
     'parameters': {'additionalProperties': 0, 'properties': {}},
     'returns': {'items': {'additionalProperties': 0,
                           'properties': {'path': {'description': 'Access control path',
                                                   'type': 'string'},
                                          'propagate': {'default': 1,
                                                        'description': 'Allow to propagate '
                                                                       '(inherit) permissions.',
                                                        'optional': 1,
                                                        'type': 'boolean'},
                                          'roleid': {'type': 'string'},
                                          'type': {'enum': ['user', 'group', 'token'],
                                                   'type': 'string'},
                                          'ugid': {'type': 'string'}},
                           'type': 'object'},
                 'type': 'array'}},
    ('/access/acl', 'PUT'): {'name': 'update_acl',
     'description': 'Update Access Control List (add or remove permissions).',
     'permissions': {'check': ['perm-modify', '{path}']},
     'protected': 1,
     'allowtoken': 1,
     'parameters': {'additionalProperties': 0,
                    'properties': {'delete': {'description': 'Remove permissions (instead of '
                                                             'adding it).',
                                              'optional': 1,
                                              'type': 'boolean'},
                                   'groups': {'description': 'List of groups.',
                                              'format': 'pve-groupid-list',
                                              'optional': 1,
                                              'type': 'string'},
                                   'path': {'description': 'Access control path', 'type': 'string'},
                                   'propagate': {'default': 1,
                                                 'description': 'Allow to propagate (inherit) '
                                                                'permissions.',
                                                 'optional': 1,
                                                 'type': 'boolean'},
                                   'roles': {'description': 'List of roles.',
                                             'format': 'pve-roleid-list',
                                             'type': 'string'},
                                   'tokens': {'description': 'List of API tokens.',
                                              'format': 'pve-tokenid-list',
                                              'optional': 1,
                                              'type': 'string'},
                                   'users': {'description': 'List of users.',
                                             'format': 'pve-userid-list',
                                             'optional': 1,
                                             'type': 'string'}}},
     'returns': {'type': 'null'}},
    ('/access/permissions', 'GET'): {'name': 'permissions',
     'description': 'Retrieve effective permissions of given user/token.',
     'permissions': {'description': 'Each user/token is allowed to dump their own permissions (or '
                                    'that of owned tokens). A user can dump the permissions of '
                                    "another user or their tokens if they have 'Sys.Audit' "
                                    'permission on /access.',
                     'user': 'all'},
     'allowtoken': 1,
     'parameters': {'additionalProperties': 0,
                    'properties': {'path': {'description': 'Only dump this specific path, not the '
                                                           'whole tree.',
                                            'optional': 1,
                                            'type': 'string'},
                                   'userid': {'description': 'User ID or full API token ID',
                                              'optional': 1,
                                              'pattern': '(?^:^(?^:[^\\s:/]+)\\@(?^:[A-Za-z][A-Za-z0-9\\.\\-_]+)(?:!(?^:[A-Za-z][A-Za-z0-9\\.\\-_]+))?$)',
                                              'type': 'string'}}},
     'returns': {'description': 'Map of "path" => (Map of "privilege" => "propagate boolean").',
                 'type': 'object'}},
    ('/access/password', 'PUT'): {'name': 'change_password',
     'description': 'Change user password.',
     'permissions': {'check': ['or',
                               ['userid-param', 'self'],
                               ['and',
                                ['userid-param', 'Realm.AllocateUser'],
                                ['userid-group', ['User.Modify']]]],
                     'description': 'Each user is allowed to change their own password. A user can '
                                    'change the password of another user if they have '
                                    "'Realm.AllocateUser' (on the realm of user <userid>) and "
                                    "'User.Modify' permission on /access/groups/<group> on a group "
                                    'where user <userid> is member of. For the PAM realm, a '
                                    'password change does not take  effect cluster-wide, but only '
                                    'applies to the local node.'},
     'protected': 1,
     'allowtoken': 0,
     'parameters': {'additionalProperties': 0,
                    'properties': {'confirmation-password': {'description': 'The current password '
                                                                            'of the user '
                                                                            'performing the '
                                                                            'change.',
                                                             'maxLength': 64,
                                                             'minLength': 5,
                                                             'optional': 1,
                                                             'type': 'string'},
                                   'password': {'description': 'The new password.',
                                                'maxLength': 64,
                                                'minLength': 8,
                                                'type': 'string'},
                                   'userid': {'description': 'Full User ID, in the `name@realm` '
                                                             'format.',
                                              'format': 'pve-userid',
                                              'maxLength': 64,
                                              'type': 'string'}}},
     'returns': {'type': 'null'}},
}
